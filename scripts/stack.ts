// `npm run stack`: the five functions as five OS processes on 8000-8004
// against the real Postgres, Redis and RabbitMQ (what `docker compose up`
// runs, without Docker), with a mail catcher (SMTP 1025, UI 8025) and the
// local push service (8090). Ctrl-C stops every process cleanly.
//
//   npm run stack                 # DATABASE_URL / REDIS_URL / AMQP_URL, or the local defaults
//   npm run stack -- --fresh      # a throwaway database and RabbitMQ vhost, dropped on exit
//   STACK_PORTS=gateway=9000,smtp=2525,mail=9025 npm run stack   # other ports (functions, mail catcher SMTP / UI)
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import webpush from 'web-push';
import { startMailCatcher } from '../functions/email/catcher/mail-catcher.js';
import { LOCAL_PUSH_CERT_DIR, startLocalPushService } from '../functions/push/local/local-push-service.js';
import { DEFAULT_PORTS, STACK_FUNCTIONS, type StackFunction, startStack } from './stack/stack-runner.js';

const fresh = process.argv.includes('--fresh');
const env = process.env;
const dataDir = resolve(env.DATA_DIR ?? './.data', 'stack');
const COLORS = [36, 35, 33, 32, 34, 90];
const tag = (name: string) => {
  const index = [...STACK_FUNCTIONS, 'db-migrate'].indexOf(name as StackFunction);
  return `\x1b[${COLORS[index] ?? 37}m${name.padEnd(10)}|\x1b[0m`;
};
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };

/** A pino line made readable: time, level, message, the ids that matter; anything else as it came. */
function readable(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    const time = typeof o.time === 'number' ? new Date(o.time).toISOString().slice(11, 23) : '';
    const extra = ['notification_id', 'correlation_id', 'port', 'status', 'routing_key']
      .filter((k) => o[k] !== undefined)
      .map((k) => `${k}=${String(o[k])}`);
    const err = (o.err as { message?: string } | undefined)?.message;
    return `${time} ${LEVELS[o.level as number] ?? o.level} ${String(o.msg ?? '')}${extra.length ? ` ${extra.join(' ')}` : ''}${err ? ` err="${err}"` : ''}`;
  } catch {
    return line;
  }
}
const print = (text: string) => process.stdout.write(`${text}\n`);

/** `STACK_PORTS`: `name=port` pairs, a function's name or `smtp` / `mail` for the mail catcher. */
const ports: Record<string, number> = { ...DEFAULT_PORTS, smtp: 1025, mail: 8025 };
for (const pair of (env.STACK_PORTS ?? '').split(',').filter(Boolean)) {
  const [name, port] = pair.split('=');
  if (!name || !(name in ports) || !Number.isInteger(Number(port))) {
    print(`STACK_PORTS: "${pair}" is not name=port with name one of ${Object.keys(ports).join(', ')}`);
    process.exit(2);
  }
  ports[name] = Number(port);
}

const mailCatcher = await startMailCatcher({ smtpPort: ports.smtp!, webPort: ports.mail! });
const pushService = await startLocalPushService({
  port: Number(env.LOCAL_PUSH_SERVICE_PORT ?? 8090),
  certDir: join(dataDir, LOCAL_PUSH_CERT_DIR),
});
const pushCaFile = join(dataDir, LOCAL_PUSH_CERT_DIR, 'ca.pem');
writeFileSync(pushCaFile, pushService.certificatePem);
const vapid =
  env.VAPID_PUBLIC_KEY && env.VAPID_PRIVATE_KEY
    ? { publicKey: env.VAPID_PUBLIC_KEY, privateKey: env.VAPID_PRIVATE_KEY }
    : webpush.generateVAPIDKeys();

let stopping = false;
const stack = await startStack({
  databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  amqpUrl: env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  fresh,
  ports: Object.fromEntries(STACK_FUNCTIONS.map((name) => [name, ports[name]!])),
  smtp: { host: mailCatcher.smtpHost, port: mailCatcher.smtpPort },
  pushCaFile,
  dataDir,
  env: {
    LOG_LEVEL: env.LOG_LEVEL ?? 'info',
    VAPID_PUBLIC_KEY: vapid.publicKey,
    VAPID_PRIVATE_KEY: vapid.privateKey,
    VAPID_SUBJECT: env.VAPID_SUBJECT ?? 'mailto:stack@example.com',
  },
  onLine: (name, line) => print(`${tag(name)} ${readable(line)}`),
  onNote: (note) => print(`${tag('stack')} ${note}`),
}).catch(async (err: unknown) => {
  print(`${tag('stack')} could not start: ${(err as Error).message}`);
  await mailCatcher.stop();
  await pushService.close();
  process.exit(1);
});

for (const proc of stack.processes.values()) {
  void proc.exited.then((code) => {
    if (!stopping) print(`${tag(proc.name)} exited unexpectedly (${code}); the others keep running`);
  });
}

print('');
print('Notification platform: five processes against Postgres, Redis and RabbitMQ');
for (const name of [...STACK_FUNCTIONS].sort((a, b) => stack.urls[a].localeCompare(stack.urls[b]))) {
  print(`  ${name.padEnd(9)} ${stack.urls[name]}  (pid ${stack.processes.get(name)!.child.pid})`);
}
print(`  database  ${stack.databaseUrl}${fresh ? ' (fresh, dropped on exit)' : ''}`);
print(`  rabbitmq  ${stack.amqpUrl.replace(/\/\/[^@]*@/, '//')}${fresh ? ' (vhost dropped on exit)' : ''}`);
print(`  mail      ${mailCatcher.webUrl} (SMTP ${mailCatcher.smtpHost}:${mailCatcher.smtpPort})`);
print(`  push svc  ${pushService.origin} (local push service: POST /subscriptions for a test subscription)`);
print(`  ADMIN_API_KEY=${stack.adminApiKey}`);
print(`  JWT_SECRET=${stack.jwtSecret}`);
print('Ctrl-C stops everything.');
print('');

async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  print(`${tag('stack')} ${signal}: stopping every function (SIGTERM, dependants first)`);
  const codes = await stack.stop();
  await mailCatcher.stop();
  await pushService.close();
  print(
    `${tag('stack')} stopped: ${Object.entries(codes)
      .map(([n, c]) => `${n}=${c}`)
      .join(' ')}`,
  );
  process.exit(Object.values(codes).every((c) => c === 0) ? 0 : 1);
}
// `on`, not `once`: a Ctrl-C reaches this process twice (from the terminal, and forwarded by npm), and a
// second signal without a handler would kill the runner halfway through stopping, leaving functions behind
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
// the children live in their own process groups: never leave them behind
process.once('exit', () => {
  for (const proc of stack.processes.values())
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
});

// `npm start`: all five functions in ONE process on ports 8000-8004 with
// embedded defaults (PGlite under DATA_DIR with the Postgres queue in it, in-memory cache).
// Functions call each other through each other's `app.fetch`: no sockets.

import type { AddressInfo } from 'node:net';
import { allMigrations } from '../functions/migrations.js';
import { allFunctions } from '../functions/registry.js';
import { seedStarterTemplates } from '../functions/template/templates/starter-templates.js';
import type { Fetcher } from '../shared/clients/fetcher.js';
import { loadConfig } from '../shared/config.js';
import { createInfra } from '../shared/runtime/create-infra.js';
import type { Peers, RunningFunction } from '../shared/runtime/function-module.js';
import { closeServer, listen } from '../shared/runtime/serve.js';

const config = loadConfig();
// FUNCTIONS picks a subset (e.g. the gateway with its lookups, without the workers)
const modules = allFunctions.filter((module) => config.functions.includes(module.name));
const runs = (name: string) => config.functions.includes(name as (typeof config.functions)[number]);
const infra = await createInfra(config, 'dev');
for (const set of allMigrations) await infra.database.migrate(set);
// an empty database gets the starter templates (existing ones are left alone)
await seedStarterTemplates(infra.database.db, infra.logger);
// the push counterpart of the mail catcher; started first so the push function finds (and trusts) its certificate
async function startLocalPush() {
  const { LOCAL_PUSH_CERT_DIR, startLocalPushService } = await import('../functions/push/local/local-push-service.js');
  return startLocalPushService({
    port: config.push.localServicePort,
    certDir: `${config.dataDir}/${LOCAL_PUSH_CERT_DIR}`,
    logger: infra.logger,
  });
}
// no SMTP relay configured: the email function sends to this catcher (maildev, MailHog's ports);
// imported only when used, since maildev brings a DOM implementation (jsdom) with it
async function startCatcher() {
  const { startMailCatcher } = await import('../functions/email/catcher/mail-catcher.js');
  return startMailCatcher();
}
const localPush = config.env === 'development' && runs('push') ? await startLocalPush() : undefined;
const mailCatcher =
  runs('email') && config.email.providers.includes('smtp') && !config.email.smtp.host ? await startCatcher() : undefined;

const running = new Map<string, RunningFunction>();
const inProcess =
  (name: string): Fetcher =>
  (request) => {
    const target = running.get(name);
    if (!target) return Promise.reject(new Error(`${name} function is not running`));
    return Promise.resolve(target.app.fetch(request));
  };
const peers: Peers = { fetcher: (name) => inProcess(name) };

for (const module of modules) running.set(module.name, await module.create(infra, peers));
for (const fn of running.values()) await fn.start?.();

const wantedPort = (module: (typeof modules)[number]) =>
  config.startAnyPorts ? 0 : (config.startPorts[module.name] ?? module.devPort);
const servers = await Promise.all(
  modules.map((module) => listen(running.get(module.name)!.app, wantedPort(module), config.host)),
);
const portOf = (module: (typeof modules)[number]) => (servers[modules.indexOf(module)]!.address() as AddressInfo).port;

const out = (line = '') => process.stdout.write(`${line}\n`);
out();
out(
  `Notification platform running (database: ${infra.database.kind}, cache: ${config.redisUrl ? 'redis' : 'memory'}, queue: ${config.queue.driver})`,
);
for (const module of [...modules].sort((a, b) => portOf(a) - portOf(b))) {
  out(`  ${module.name.padEnd(9)} http://${config.host}:${portOf(module)}`);
}
out(`  data dir  ${config.dataDir}`);
if (mailCatcher) out(`  mail      ${mailCatcher.webUrl} (mail catcher; SMTP on ${mailCatcher.smtpHost}:${mailCatcher.smtpPort})`);
if (localPush) out(`  push svc  ${localPush.origin} (local push service: POST /subscriptions for a test subscription)`);
for (const fn of running.values()) for (const line of fn.banner ?? []) out(`  ${line}`);
out();

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  infra.logger.info({ signal }, 'shutting down');
  await Promise.all(servers.map(closeServer));
  for (const fn of [...running.values()].reverse()) await fn.stop?.();
  await localPush?.close();
  await mailCatcher?.stop();
  await infra.close();
  process.exit(0);
}
// `on`, not `once`: a Ctrl-C arrives twice (from the terminal, and forwarded by npm); a repeat while stopping
// must not kill the process before in-flight work is finished or handed back
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

// The five-process stack of scripts/stack/stack-runner.ts with every outside
// dependency behind a TCP proxy of its own (Postgres, Redis, RabbitMQ and the
// SMTP sink), so a fault suite can cut one of them for this stack only and
// bring it back, while the machine's shared servers keep running for every
// other suite.
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import webpush from 'web-push';
import { freePort } from '../../infra/docker/smtp-sink.js';
import { createLogger } from '../../shared/logging/logger.js';
import { createRabbitQueue } from '../../shared/queue/rabbitmq/rabbit-queue.js';
import { createTcpProxy, type TcpProxy } from '../../shared/test-support/tcp-proxy.js';
import { type CapturingSmtpSink, startCapturingSmtpSink } from '../stack/capturing-smtp-sink.js';
import { STACK_FUNCTIONS, type Stack, type StackFunction, startStack } from '../stack/stack-runner.js';
import { type ApiResponse, createPlatformClient, type RecipientMail } from './platform-client.js';

export type { ApiResponse, RecipientMail } from './platform-client.js';

/** The dependencies a fault can take away. */
export type Dependency = 'postgres' | 'redis' | 'rabbitmq' | 'smtp';

/** One log line of a function process, with when it arrived. */
export interface LogLine {
  name: string;
  line: string;
  at: number;
}

export interface FaultStackOptions {
  databaseUrl: string;
  redisUrl: string;
  amqpUrl: string;
  /** Extra variables for every function. */
  env?: Record<string, string>;
  /** Folder to write every process's full log to (`<name>.log`), for a post-mortem. */
  logDir?: string;
}

export interface FaultStack {
  stack: Stack;
  sink: CapturingSmtpSink;
  proxies: Record<Dependency, TcpProxy>;
  /** Send-scoped API key of this run. */
  sendKey: string;
  api(method: string, path: string, options?: { body?: unknown; auth?: string | null }): Promise<ApiResponse>;
  createUser(): Promise<{ id: string; email: string }>;
  createEmailTemplate(): Promise<string>;
  /** Mails the sink accepted for `email` so far (live view). */
  mailTo(email: string): RecipientMail;
  /** Notifications of `userId` in `status`, from `meta.total` of the list route. */
  countWithStatus(userId: string, status: string): Promise<number>;
  /** Messages in the run's `failed.queue` (the dead letters), read straight from the broker. */
  deadLetterDepth(): Promise<number>;
  /** Lines of interest (circuit, dead letter, reconnect) of every process since the start. */
  events: readonly LogLine[];
  /** The last lines of some processes, for a failure message. */
  logsOf(...names: string[]): string;
  close(): Promise<Record<string, number | string | null>>;
}

// lines kept whole for the assertions; everything else only as a short tail per process
const EVENT_PATTERN = /circuit|dead-lettered|rabbitmq (reconnected|connect failed)|database unavailable|unhandled error/;
const TAIL_LINES = 300;

function viaProxy(url: string, proxy: TcpProxy): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return u.toString();
}

async function proxyTo(url: string, defaultPort: number): Promise<TcpProxy> {
  const u = new URL(url);
  return createTcpProxy(u.hostname, Number(u.port || defaultPort));
}

/**
 * Start the fault stack: an SMTP sink, four proxies, the five functions
 * (fresh database and vhost) wired through the proxies, and a send-scoped API
 * key. Rate limits are lifted: thousands of sends to one user within a minute
 * are the point here, not abuse.
 */
export async function startFaultStack(options: FaultStackOptions): Promise<FaultStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'faults-'));
  const sink = await startCapturingSmtpSink();
  const proxies: Record<Dependency, TcpProxy> = {
    postgres: await proxyTo(options.databaseUrl, 5432),
    redis: await proxyTo(options.redisUrl, 6379),
    rabbitmq: await proxyTo(options.amqpUrl, 5672),
    smtp: await createTcpProxy(sink.host, sink.port),
  };

  if (options.logDir) mkdirSync(options.logDir, { recursive: true });
  const tails = new Map<string, string[]>();
  const events: LogLine[] = [];
  const ports = {} as Record<StackFunction, number>;
  for (const name of STACK_FUNCTIONS) ports[name] = await freePort();

  let stack: Stack;
  try {
    stack = await startStack({
      databaseUrl: viaProxy(options.databaseUrl, proxies.postgres),
      redisUrl: viaProxy(options.redisUrl, proxies.redis),
      amqpUrl: viaProxy(options.amqpUrl, proxies.rabbitmq),
      fresh: true,
      ports,
      smtp: { host: '127.0.0.1', port: proxies.smtp.port },
      dataDir,
      env: {
        // the push function needs an identity in production, even when no push is sent
        ...(() => {
          const vapid = webpush.generateVAPIDKeys();
          return {
            VAPID_PUBLIC_KEY: vapid.publicKey,
            VAPID_PRIVATE_KEY: vapid.privateKey,
            VAPID_SUBJECT: 'mailto:ops@example.com',
          };
        })(),
        // five stacks of five processes share one Postgres (max_connections 100 by default, in CI too): with the
        // delivery ledger every worker holds connections as well, and ten per process ran it out of connections
        DATABASE_POOL_SIZE: '3',
        RATE_LIMIT_PER_USER_PER_MINUTE: '100000000',
        RATE_LIMIT_PER_KEY_PER_MINUTE: '100000000',
        ...options.env,
      },
      onLine(name, line) {
        if (options.logDir) appendFileSync(join(options.logDir, `${name}.log`), `${line}\n`);
        const tail = tails.get(name) ?? [];
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.splice(0, tail.length - TAIL_LINES);
        tails.set(name, tail);
        if (EVENT_PATTERN.test(line)) events.push({ name, line, at: Date.now() });
      },
      readyTimeoutMs: 90_000,
    });
  } catch (err) {
    for (const proxy of Object.values(proxies)) await proxy.close();
    await sink.close();
    rmSync(dataDir, { recursive: true, force: true });
    const tail = [...tails].map(([n, lines]) => `--- ${n} ---\n${lines.slice(-20).join('\n')}`).join('\n');
    throw new Error(`${(err as Error).message}\n${tail}`);
  }

  // the broker's own view of the dead letters: straight to RabbitMQ (not through the proxy), the run's vhost
  const directAmqp = new URL(stack.amqpUrl);
  const realAmqp = new URL(options.amqpUrl);
  directAmqp.host = realAmqp.host;
  const inspector = createRabbitQueue({ url: directAmqp.toString(), logger: createLogger({ level: 'silent', name: 'faults' }) });

  const client = createPlatformClient({ gatewayUrl: () => stack.urls.gateway, adminKey: stack.adminApiKey, sink });
  const sendKey = await client.createSendKey();

  return {
    stack,
    sink,
    proxies,
    sendKey,
    api: client.api,
    createUser: client.createUser,
    createEmailTemplate: client.createEmailTemplate,
    mailTo: client.mailTo,
    countWithStatus: (userId, status) => client.countWithStatus(sendKey, userId, status),
    async deadLetterDepth() {
      return (await inspector.stats()).deadLetterDepth;
    },
    events,
    logsOf: (...names) => names.map((n) => `--- ${n} ---\n${(tails.get(n) ?? []).slice(-40).join('\n')}`).join('\n'),
    async close() {
      // everything back up, so the processes stop cleanly and the fresh database and vhost can be dropped
      for (const proxy of Object.values(proxies)) await proxy.up().catch(() => {});
      await inspector.close().catch(() => {});
      const codes = await stack.stop();
      for (const proxy of Object.values(proxies)) await proxy.close();
      await sink.close();
      rmSync(dataDir, { recursive: true, force: true });
      return codes;
    },
  };
}

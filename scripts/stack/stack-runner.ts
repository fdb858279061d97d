// The five functions as five OS processes against real Postgres, Redis and
// RabbitMQ: what docker compose runs, without Docker. Used by `npm run stack`
// (scripts/stack.ts) and the end-to-end suite (scripts/stack.int.test.ts).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import type { FunctionName } from '../../shared/runtime/function-names.js';

const run = promisify(execFile);

export type StackFunction = FunctionName;

/** Data owners first, as compose's `depends_on` orders them; dependants are stopped first. */
const START_WAVES: FunctionName[][] = [
  ['user', 'template'],
  ['gateway', 'email', 'push'],
];

/** Every function, in start order (a test checks none is missing). */
export const STACK_FUNCTIONS: FunctionName[] = START_WAVES.flat();

/** Host ports of docs/architecture.md, the ones compose publishes. */
export const DEFAULT_PORTS: Record<StackFunction, number> = {
  gateway: 8000,
  user: 8001,
  template: 8002,
  email: 8003,
  push: 8004,
};

const SERVICE_URL_VARIABLE: Record<StackFunction, string> = {
  gateway: 'GATEWAY_URL',
  user: 'USER_SERVICE_URL',
  template: 'TEMPLATE_SERVICE_URL',
  email: 'EMAIL_SERVICE_URL',
  push: 'PUSH_SERVICE_URL',
};

export interface StackOptions {
  /** Postgres URL. With `fresh`, a database of its own is created beside the one named here and dropped at stop. */
  databaseUrl: string;
  redisUrl: string;
  /** RabbitMQ URL. With `fresh`, a vhost of its own is created (rabbitmqctl) and deleted at stop. */
  amqpUrl: string;
  /** Throwaway database and vhost for this run (tests; `npm run stack -- --fresh`). */
  fresh?: boolean;
  ports?: Partial<Record<StackFunction, number>>;
  /** Where the email function sends (a local SMTP sink). */
  smtp: { host: string; port: number };
  /** PEM file of the local push service's certificate, trusted by the push function. */
  pushCaFile?: string;
  /** Folder for each function's DATA_DIR. */
  dataDir: string;
  /** Extra variables for every function (or, keyed by function name, for one). */
  env?: Record<string, string>;
  envOf?: Partial<Record<StackFunction, Record<string, string>>>;
  /** Each output line of each process, without its trailing newline. */
  onLine?(name: StackFunction | 'db-migrate', line: string, stream: 'stdout' | 'stderr'): void;
  /** Notes about the run (vhost fallback and such). */
  onNote?(note: string): void;
  /** How long a function may take to answer /health/ready. Default 60 s. */
  readyTimeoutMs?: number;
}

export interface StackProcess {
  name: StackFunction;
  child: ChildProcess;
  /** Resolves with the exit code (or the signal) once the process ended. */
  exited: Promise<number | string | null>;
}

export interface Stack {
  urls: Record<StackFunction, string>;
  /** Generated for this run; every function shares them. */
  adminApiKey: string;
  jwtSecret: string;
  databaseUrl: string;
  amqpUrl: string;
  processes: Map<StackFunction, StackProcess>;
  /** Start one function again (after `kill`), resolving once it is ready. */
  start(name: StackFunction): Promise<void>;
  /** Send a signal to one function and wait for it to end. */
  kill(name: StackFunction, signal?: NodeJS.Signals): Promise<number | string | null>;
  /** SIGTERM every function (dependants first), wait, SIGKILL stragglers, drop what `fresh` created. */
  stop(): Promise<Record<string, number | string | null>>;
}

const REPO = resolve(import.meta.dirname, '../..');

function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

async function createDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = uniqueName('stack');
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const dropper = postgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/**
 * A vhost of its own isolates the run's exchanges and queues from anything
 * else on the broker. The AMQP protocol cannot create one; `rabbitmqctl` (on
 * the broker's host, as in CI) can. Without it the run uses the URL's vhost.
 */
async function createVhost(amqpUrl: string, note: (text: string) => void): Promise<{ url: string; drop(): Promise<void> }> {
  const url = new URL(amqpUrl);
  const user = decodeURIComponent(url.username || 'guest');
  const vhost = uniqueName('stack');
  try {
    await run('rabbitmqctl', ['-q', 'add_vhost', vhost], { timeout: 30_000 });
    await run('rabbitmqctl', ['-q', 'set_permissions', '-p', vhost, user, '.*', '.*', '.*'], { timeout: 30_000 });
  } catch (err) {
    note(`could not create a RabbitMQ vhost (${(err as Error).message.split('\n')[0]}); using ${url.pathname || '/'} as given`);
    return { url: amqpUrl, drop: async () => {} };
  }
  url.pathname = `/${encodeURIComponent(vhost)}`;
  return {
    url: url.toString(),
    async drop() {
      await run('rabbitmqctl', ['-q', 'delete_vhost', vhost], { timeout: 30_000 }).catch(() => {});
    },
  };
}

function pipeLines(child: ChildProcess, onLine: (line: string, stream: 'stdout' | 'stderr') => void) {
  for (const stream of ['stdout', 'stderr'] as const) {
    let rest = '';
    child[stream]!.setEncoding('utf8');
    child[stream]!.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line.length > 0) onLine(line, stream);
    });
    child[stream]!.on('end', () => {
      if (rest.length > 0) onLine(rest, stream);
    });
  }
}

function spawnTs(entry: string, env: Record<string, string>, onLine: (line: string, stream: 'stdout' | 'stderr') => void) {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // own process group: a Ctrl-C in the terminal reaches only the runner, which stops each child once
    detached: true,
  });
  pipeLines(child, onLine);
  const exited = new Promise<number | string | null>((done) => child.once('exit', (code, signal) => done(code ?? signal)));
  return { child, exited };
}

async function waitReady(url: string, proc: { exited: Promise<unknown> }, timeoutMs: number): Promise<void> {
  let ended = false;
  void proc.exited.then(() => (ended = true));
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (ended) throw new Error(`exited before it was ready (${last})`);
    try {
      const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
      last = `${res.status} ${(await res.text()).slice(0, 300)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not ready after ${timeoutMs} ms (${last})`);
}

/**
 * Start the platform as five processes (`node --import tsx functions/<name>/main.ts`):
 * migrations once first (`scripts/db-migrate.ts`), then the data owners (user,
 * template), then the gateway and the workers, each awaited on `/health/ready`.
 * Every process gets the same DATABASE_URL, REDIS_URL, AMQP_URL, service URLs,
 * JWT_SECRET, INTERNAL_SECRET and ADMIN_API_KEY (generated per run), and its own PORT and
 * DATA_DIR. NODE_ENV=production, as in compose.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const note = options.onNote ?? (() => {});
  const onLine = options.onLine ?? (() => {});
  const ports = { ...DEFAULT_PORTS, ...options.ports };
  const urls = Object.fromEntries(STACK_FUNCTIONS.map((n) => [n, `http://127.0.0.1:${ports[n]}`])) as Record<
    StackFunction,
    string
  >;
  const adminApiKey = randomBytes(24).toString('base64url');
  const jwtSecret = randomBytes(32).toString('base64url');
  const internalSecret = randomBytes(32).toString('base64url');
  const cleanups: Array<() => Promise<void>> = [];

  const database = options.fresh ? await createDatabase(options.databaseUrl) : { url: options.databaseUrl, drop: async () => {} };
  cleanups.push(database.drop);
  const vhost = options.fresh ? await createVhost(options.amqpUrl, note) : { url: options.amqpUrl, drop: async () => {} };
  cleanups.push(vhost.drop);

  const common: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    DATABASE_URL: database.url,
    REDIS_URL: options.redisUrl,
    QUEUE_DRIVER: 'rabbitmq',
    AMQP_URL: vhost.url,
    ADMIN_API_KEY: adminApiKey,
    JWT_SECRET: jwtSecret,
    INTERNAL_SECRET: internalSecret,
    PUBLIC_BASE_URL: urls.gateway,
    // the local push service's endpoints are https://127.0.0.1:<port>/...
    PUSH_LOCAL_HOSTS: '127.0.0.1,localhost',
    ...Object.fromEntries(STACK_FUNCTIONS.map((n) => [SERVICE_URL_VARIABLE[n], urls[n]])),
    ...options.env,
  };
  const envOf = (name: StackFunction): Record<string, string> => {
    const dataDir = join(options.dataDir, name);
    mkdirSync(dataDir, { recursive: true });
    return {
      ...common,
      PORT: String(ports[name]),
      DATA_DIR: dataDir,
      ...(name === 'email' && { SMTP_HOST: options.smtp.host, SMTP_PORT: String(options.smtp.port), EMAIL_PROVIDERS: 'smtp' }),
      ...(name === 'push' && options.pushCaFile && { PUSH_CA_FILE: options.pushCaFile }),
      ...options.envOf?.[name],
    };
  };

  const processes = new Map<StackFunction, StackProcess>();
  const startOne = async (name: StackFunction) => {
    const proc = spawnTs(`functions/${name}/main.ts`, envOf(name), (line, stream) => onLine(name, line, stream));
    processes.set(name, { name, ...proc });
    try {
      await waitReady(urls[name], proc, options.readyTimeoutMs ?? 60_000);
    } catch (err) {
      throw new Error(`${name}: ${(err as Error).message}`);
    }
  };

  const stopAll = async () => {
    const codes: Record<string, number | string | null> = {};
    for (const wave of [...START_WAVES].reverse()) {
      await Promise.all(
        wave.map(async (name) => {
          const proc = processes.get(name);
          if (!proc) return;
          codes[name] = await terminate(proc, 'SIGTERM');
        }),
      );
    }
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => note(`cleanup failed: ${String(err)}`));
    cleanups.length = 0;
    return codes;
  };

  try {
    const migrate = spawnTs('scripts/db-migrate.ts', { ...common, DATA_DIR: options.dataDir }, (line, stream) =>
      onLine('db-migrate', line, stream),
    );
    const code = await migrate.exited;
    if (code !== 0) throw new Error(`db-migrate exited with ${code}`);
    for (const wave of START_WAVES) await Promise.all(wave.map(startOne));
  } catch (err) {
    await stopAll();
    throw err;
  }

  return {
    urls,
    adminApiKey,
    jwtSecret,
    databaseUrl: database.url,
    amqpUrl: vhost.url,
    processes,
    start: startOne,
    async kill(name, signal = 'SIGTERM') {
      const proc = processes.get(name);
      if (!proc) throw new Error(`${name} is not running`);
      return terminate(proc, signal);
    },
    stop: stopAll,
  };
}

/** Signal a process, wait up to 15 s for it to end, then SIGKILL it. */
async function terminate(proc: StackProcess, signal: NodeJS.Signals): Promise<number | string | null> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return proc.exited;
  proc.child.kill(signal);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 15_000);
  try {
    return await proc.exited;
  } finally {
    clearTimeout(timer);
  }
}

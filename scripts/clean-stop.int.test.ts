// @requires DATABASE_URL REDIS_URL AMQP_URL
// Stopping the platform as an operator does: Ctrl-C in the terminal running
// `npm run stack -- --fresh` (SIGINT to the whole foreground process group),
// and SIGTERM to the npm process of `npm start` (a process manager). Each
// must stop every process, free every port and drop what --fresh created.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { type SmtpTestServer, startSmtpTestServer } from '../functions/email/test-support/smtp-test-server.js';
import { reservePorts } from '../shared/test-support/reserved-port.js';
import { STACK_FUNCTIONS } from './stack/stack-runner.js';

const REPO = resolve(import.meta.dirname, '..');
const exec = promisify(execFile);

/** Whether something still listens on a port: can this process bind it? */
async function portFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((done) => {
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

/** `npm run <script>` in a process group of its own, as a terminal starts it; output collected. */
function npm(args: string[], env: Record<string, string>, without: string[] = []) {
  let output = '';
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !without.includes(name)));
  const child = spawn('npm', args, { cwd: REPO, env: { ...base, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | string | null>((done) => child.once('exit', (code, signal) => done(code ?? signal)));
  return { child, exited, output: () => output };
}

/** Resolves once the output holds `text`; rejects with the output if the process ends first. */
async function printed(run: ReturnType<typeof npm>, text: string): Promise<void> {
  const ended = run.exited.then((code) => {
    throw new Error(`exited (${code}) before printing "${text}":\n${run.output().slice(-4000)}`);
  });
  await Promise.race([expect.poll(run.output, { timeout: 240_000, interval: 500 }).toContain(text), ended]);
}

/** Every pid the stack printed, for the teardown of a failed run. */
const pidsIn = (output: string) => [...output.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1]));

function killEverything(child: ChildProcess, pids: number[]) {
  for (const pid of [...pids, child.pid!]) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

describe('clean stops', () => {
  it('Ctrl-C on npm run stack -- --fresh stops all five functions, frees their ports, drops the database and vhost', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'clean-stop-stack-'));
    const numbers = await reservePorts(STACK_FUNCTIONS.length + 3);
    const ports: Record<string, number> = Object.fromEntries(STACK_FUNCTIONS.map((name, i) => [name, numbers[i]!]));
    Object.assign(ports, { smtp: numbers.at(-3)!, mail: numbers.at(-2)!, pushService: numbers.at(-1)! });
    const run = npm(['run', 'stack', '--', '--fresh'], {
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      STACK_PORTS: STACK_FUNCTIONS.map((n) => `${n}=${ports[n]}`)
        .concat(`smtp=${ports.smtp}`, `mail=${ports.mail}`)
        .join(','),
      LOCAL_PUSH_SERVICE_PORT: String(ports.pushService),
    });
    try {
      await printed(run, 'Ctrl-C stops everything.');
      const database = run.output().match(/database\s+(\S+) \(fresh/)?.[1];
      const vhost = run.output().match(/rabbitmq\s+\S+\/(stack_[a-z0-9_]+)/)?.[1];
      expect(database, run.output()).toBeDefined();
      expect(vhost, run.output()).toBeDefined();

      // what a terminal does on Ctrl-C: SIGINT to every process of the foreground group
      process.kill(-run.child.pid!, 'SIGINT');
      const code = await run.exited;

      expect(run.output()).toContain('stopped: ');
      expect(code, run.output().slice(-3000)).toBe(0);
      for (const [name, port] of Object.entries(ports)) expect(await portFree(port), `${name} on ${port}`).toBe(true);
      const admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
      try {
        const name = new URL(database!).pathname.slice(1);
        expect(await admin`select 1 from pg_database where datname = ${name}`).toHaveLength(0);
      } finally {
        await admin.end();
      }
      const { stdout } = await exec('rabbitmqctl', ['-q', 'list_vhosts']);
      expect(stdout.split('\n').map((l) => l.trim())).not.toContain(decodeURIComponent(vhost!));
    } finally {
      killEverything(run.child, pidsIn(run.output()));
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 420_000);

  it("SIGTERM to npm start's npm process stops the platform and frees its ports", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'clean-stop-start-'));
    const sink: SmtpTestServer = await startSmtpTestServer();
    const numbers = await reservePorts(STACK_FUNCTIONS.length + 1);
    const ports: Record<string, number> = Object.fromEntries(STACK_FUNCTIONS.map((name, i) => [name, numbers[i]!]));
    ports.pushService = numbers.at(-1)!;
    const run = npm(
      ['start'],
      {
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        START_PORTS: STACK_FUNCTIONS.map((n) => `${n}=${ports[n]}`).join(','),
        LOCAL_PUSH_SERVICE_PORT: String(ports.pushService),
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(sink.port),
      },
      // the zero-setup mode: embedded database, memory cache, the Postgres queue on it
      ['DATABASE_URL', 'REDIS_URL', 'AMQP_URL', 'QUEUE_DRIVER', 'NODE_ENV'],
    );
    try {
      await printed(run, 'Notification platform running');
      await expect.poll(async () => (await fetch(`http://127.0.0.1:${ports.gateway}/health`)).status).toBe(200);

      // a process manager stops the service by its main pid: npm's
      process.kill(run.child.pid!, 'SIGTERM');
      await run.exited;

      for (const [name, port] of Object.entries(ports)) {
        await expect.poll(() => portFree(port), { timeout: 30_000 }).toBe(true);
        expect(await portFree(port), `${name} on ${port}`).toBe(true);
      }
    } finally {
      killEverything(run.child, []);
      await sink.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 420_000);
});

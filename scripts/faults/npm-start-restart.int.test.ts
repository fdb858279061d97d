// @requires DATABASE_URL
// `npm start` itself through a crash: notifications accepted while the SMTP
// sink is down, `kill -9` of the whole process, a restart on the same data,
// the sink back. Once on the embedded defaults (PGlite under DATA_DIR, the
// Postgres queue in it), once on a real Postgres with QUEUE_DRIVER=postgres
// and two platform processes sharing its queue. Prints the fault suite's line.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { createTcpProxy } from '../../shared/test-support/tcp-proxy.js';
import { startCapturingSmtpSink } from '../stack/capturing-smtp-sink.js';
import { BATCH_SIZE, prepareRun, type RunTarget, settleAndReport } from './fault-run.js';
import { createPlatformClient } from './platform-client.js';
import { type StartProcess, startProcess } from './start-process.js';

const N = Number(process.env.FAULTS_N ?? 2_000);
const BATCHES = Math.max(1, Math.ceil(N / BATCH_SIZE));
const PER_BATCH = Math.ceil(N / BATCHES);
const SETTLE_SCALE = Math.max(1, N / 2_000);

interface Scenario {
  name: string;
  /** Platform processes sharing the data (one on PGlite, which is one process's). */
  processes: number;
  /** Variables of every process besides the run's own. */
  env: Record<string, string>;
}

async function withFreshDatabase<T>(url: string, use: (databaseUrl: string) => Promise<T>): Promise<T> {
  const name = `faults_start_${randomBytes(4).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  try {
    return await use(target.toString());
  } finally {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

async function crashAndRestart(scenario: Scenario): Promise<void> {
  const sink = await startCapturingSmtpSink();
  const smtp = await createTcpProxy(sink.host, sink.port);
  const dataDirs = Array.from({ length: scenario.processes }, () => mkdtempSync(join(tmpdir(), 'faults-start-')));
  const adminKey = randomBytes(24).toString('base64url');
  const env = (i: number) => ({
    ...scenario.env,
    DATA_DIR: dataDirs[i]!,
    // the push function's local push service has a fixed port; mail is what is counted here
    FUNCTIONS: 'gateway,user,template,email',
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    ADMIN_API_KEY: adminKey,
    JWT_SECRET: adminKey,
    EMAIL_BREAKER_RESET_MS: '3000',
    RATE_LIMIT_PER_USER_PER_MINUTE: '100000000',
    RATE_LIMIT_PER_KEY_PER_MINUTE: '100000000',
    LOG_LEVEL: 'warn',
  });
  let running: StartProcess[] = [];
  // one after the other: the first applies the migrations and seeds the starter templates
  const startAll = async () => {
    for (let i = 0; i < scenario.processes; i++) running.push(await startProcess(env(i)));
  };
  try {
    await smtp.down();
    await startAll();
    const client = createPlatformClient({ gatewayUrl: () => running[0]!.gatewayUrl, adminKey, sink });
    const sendKey = await client.createSendKey();
    const target: RunTarget = {
      ...client,
      sendKey,
      countWithStatus: (userId, status) => client.countWithStatus(sendKey, userId, status),
      deadLetterDepth: async () => Number.NaN,
      logsOf: () => running.map((p, i) => `--- npm start #${i + 1} ---\n${p.tail()}`).join('\n'),
    };
    const run = await prepareRun(target, BATCHES, PER_BATCH);
    for (let i = 0; i < BATCHES; i++) await run.send(i, { timeoutMs: 120_000 });
    expect(run.accepted).toHaveLength(BATCHES * PER_BATCH);
    // the crash right away: each accepted notification is in the outbox, in the queue or waiting for a retry
    // there (the longer the outage, the longer the backoff its retries wait out after the restart)
    const deliveredBefore = await target.countWithStatus(run.user.id, 'delivered');
    const atSinkBefore = client.mailTo(run.user.email).total;
    for (const p of running) await p.killHard();
    running = [];

    await smtp.up();
    await startAll();
    const inFlight = atSinkBefore - deliveredBefore;
    const t = await settleAndReport(target, run, scenario.name, {
      // retries the outage pushed back (the fourth attempt's delay is about two minutes) and claims the killed process held (60 s)
      stallMs: 180_000,
      timeoutMs: Math.round(600_000 * SETTLE_SCALE),
      extra: () => `${scenario.processes} process(es) killed with ${atSinkBefore} mails at the sink: ${inFlight} in flight`,
    });
    expect(t.lost).toBe(0);
    expect(t.duplicated).toBeLessThanOrEqual(inFlight);
  } finally {
    await Promise.all(running.map((p) => p.stop()));
    await smtp.close();
    await sink.close();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  }
}

describe.concurrent(`npm start through kill -9 with ${BATCHES * PER_BATCH} notifications accepted`, () => {
  it(
    'embedded defaults (PGlite, Postgres queue): none lost after a restart on the same DATA_DIR',
    () => crashAndRestart({ name: 'kill-npm-start', processes: 1, env: {} }),
    Math.round(1_200_000 * SETTLE_SCALE),
  );

  it(
    'QUEUE_DRIVER=postgres on real Postgres, two processes: none lost after both restart',
    () =>
      withFreshDatabase(process.env.DATABASE_URL!, (databaseUrl) =>
        crashAndRestart({
          name: 'kill-npm-start-postgres',
          processes: 2,
          env: { DATABASE_URL: databaseUrl, QUEUE_DRIVER: 'postgres' },
        }),
      ),
    Math.round(1_200_000 * SETTLE_SCALE),
  );
});

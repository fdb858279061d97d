// @requires DATABASE_URL REDIS_URL AMQP_URL
// Fault injection over the five-process stack (scripts/stack/stack-runner.ts):
// real Postgres, Redis and RabbitMQ, each behind a TCP proxy of this run, and
// an SMTP sink behind one too. Each scenario sends FAULTS_N notifications
// (default 2,000; the 5,000 with FAULTS_N=5000) in batches of 1,000 through the gateway, injects its fault
// mid-stream, and prints `fault <name>: sent N delivered N lost N duplicated N`.
// Nothing accepted may be lost. Each scenario has a stack (and proxies) of its
// own, so they run concurrently: the suite's length is set by the platform's
// retry delays, not by the sum of the scenarios. See scripts/faults/README.md.
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { BATCH_SIZE, type FaultRun, prepareRun, settleAndReport } from './fault-run.js';
import { type Dependency, type FaultStack, startFaultStack } from './fault-stack.js';

// 5,000 (the number) passes too, in about 4.5 minutes on 2 cores; 2,000 keeps CI short
const N = Number(process.env.FAULTS_N ?? 2_000);
const BATCHES = Math.max(1, Math.ceil(N / BATCH_SIZE));
const PER_BATCH = Math.ceil(N / BATCHES);
/** Waits for delivery grow with the size of the run (the default size needs the base values). */
const SETTLE_SCALE = Math.max(1, N / 2_000);
const settleWithin = (ms: number) => Math.round(ms * SETTLE_SCALE);
/** The fault is injected once this share of a run's mails reached the sink: mid-stream by construction. */
const FAULT_AT = 0.2;
const SMTP_OUTAGE_MS = 20_000;
const BROKER_OUTAGE_MS = 10_000;
const DATABASE_OUTAGE_MS = 5_000;
const CACHE_OUTAGE_MS = 8_000;
const BREAKER_RESET_MS = 3_000;
/**
 * How long a scenario may take to settle at most. Five stacks share the machine, so on a slow one delivery
 * takes minutes; a scenario fails early only when delivery stalls (see settleAndReport).
 */
const SETTLE_CAP_MS = 480_000;
const TEST_TIMEOUT_MS = 720_000;

/** Every batch, one after the other, as a client would (a refused batch is retried with the same ids). */
async function sendAll(run: FaultRun, from = 0): Promise<void> {
  for (let i = from; i < BATCHES; i++) await run.send(i, { timeoutMs: 120_000 });
}

/** Resolves once `share` of the run's mails reached the sink (checked as each mail lands). */
function whenMailsReach(fs: FaultStack, run: FaultRun, share: number): Promise<void> {
  const target = Math.max(1, Math.floor(BATCHES * PER_BATCH * share));
  return new Promise((resolve) => {
    let fired = false;
    fs.sink.onMail((mail) => {
      if (fired || mail.to[0] !== run.user.email || fs.mailTo(run.user.email).total < target) return;
      fired = true;
      resolve();
    });
  });
}

/** Take `dependency` away for `ms` (the deliberate outage), calling `during` repeatedly meanwhile, then bring it back. */
async function outage(
  fs: FaultStack,
  dependency: Dependency,
  ms: number,
  during?: () => Promise<void>,
): Promise<{ downAt: number; upAt: number }> {
  await fs.proxies[dependency].down();
  const downAt = Date.now();
  const end = downAt + ms;
  while (Date.now() < end) {
    if (during) await during();
    await new Promise((r) => setTimeout(r, Math.min(500, Math.max(0, end - Date.now()))));
  }
  await fs.proxies[dependency].up();
  return { downAt, upAt: Date.now() };
}

const eventsOf = (fs: FaultStack, name: string, pattern: RegExp, since: number) =>
  fs.events.filter((e) => e.name === name && e.at >= since && pattern.test(e.line));

/**
 * A stack of its own for one scenario, stopped afterwards (every process must
 * end with 0 on SIGTERM, outages included).
 */
async function withStack(name: string, scenario: (fs: FaultStack) => Promise<void>): Promise<void> {
  const fs = await startFaultStack({
    databaseUrl: process.env.DATABASE_URL!,
    redisUrl: process.env.REDIS_URL!,
    amqpUrl: process.env.AMQP_URL!,
    // a short open period, so the breaker is seen opening and closing within the 20 s SMTP outage and just after
    env: { EMAIL_BREAKER_RESET_MS: String(BREAKER_RESET_MS) },
    ...(process.env.FAULTS_LOG_DIR && { logDir: join(process.env.FAULTS_LOG_DIR, name) }),
  });
  let failed = true;
  try {
    await scenario(fs);
    failed = false;
  } finally {
    const codes = await fs.close();
    if (!failed)
      expect(codes, 'every process ends with 0 on SIGTERM').toEqual(Object.fromEntries(Object.keys(codes).map((n) => [n, 0])));
  }
}

describe.concurrent(`faults with ${BATCHES * PER_BATCH} notifications in flight`, () => {
  it(
    'kill -9 of the email worker mid-stream, then a restart: none lost, duplicates at most what was in flight',
    () =>
      withStack('kill-email', async (fs) => {
        const run = await prepareRun(fs, BATCHES, PER_BATCH);
        const emailProcess = fs.stack.processes.get('email')!;
        // killed from inside the SMTP sink, the moment the mark is reached
        void whenMailsReach(fs, run, FAULT_AT).then(() => emailProcess.child.kill('SIGKILL'));

        await sendAll(run);
        expect(await emailProcess.exited, 'the email process died of SIGKILL').toBe('SIGKILL');

        // statuses published before the kill still reach the gateway; wait until the count stops moving
        let previous = -1;
        await vi.waitFor(
          async () => {
            const now = await fs.countWithStatus(run.user.id, 'delivered');
            const still = now === previous;
            previous = now;
            if (!still) throw new Error('delivered count still moving');
          },
          { timeout: 30_000, interval: 1_000 },
        );
        const atSink = fs.mailTo(run.user.email).total;
        // a mail can be sent twice only if it reached the sink and its delivery was not recorded before the kill
        const inFlight = atSink - previous;
        expect(previous, 'killed mid-stream: most still to deliver').toBeLessThan(run.accepted.length);

        await fs.stack.start('email');
        const t = await settleAndReport(fs, run, 'kill-email', {
          // redelivered messages the dead worker had claimed wait out the claim (60 s) before they are sent
          stallMs: 90_000,
          timeoutMs: settleWithin(SETTLE_CAP_MS),
          extra: () => `killed after ${atSink} mails at the sink, ${previous} recorded delivered: ${inFlight} in flight`,
        });
        expect(t.lost).toBe(0);
        expect(t.duplicated).toBeLessThanOrEqual(inFlight);
      }),
    settleWithin(TEST_TIMEOUT_MS),
  );

  it(
    'SMTP down for 20 s: retries, the breaker opens and closes, all delivered after it returns, none dead-lettered',
    () =>
      withStack('smtp-down', async (fs) => {
        const run = await prepareRun(fs, BATCHES, PER_BATCH);
        const deadBefore = await fs.deadLetterDepth();
        const sending = sendAll(run);

        await whenMailsReach(fs, run, FAULT_AT);
        const { downAt, upAt } = await outage(fs, 'smtp', SMTP_OUTAGE_MS);
        await sending;

        const t = await settleAndReport(fs, run, 'smtp-down', {
          // retries pushed back by the outage wait out their backoff
          stallMs: 90_000,
          timeoutMs: settleWithin(SETTLE_CAP_MS),
          extra: () =>
            `breaker opened ${eventsOf(fs, 'email', /circuit opened/, downAt).length}x, closed ${eventsOf(fs, 'email', /circuit closed/, upAt).length}x`,
        });
        expect(t.lost).toBe(0);
        expect(eventsOf(fs, 'email', /circuit opened/, downAt).length, 'breaker opened during the outage').toBeGreaterThan(0);
        expect(eventsOf(fs, 'email', /circuit closed/, upAt).length, 'breaker closed once SMTP was back').toBeGreaterThan(0);
        expect(await fs.countWithStatus(run.user.id, 'failed')).toBe(0);
        expect(await fs.deadLetterDepth(), 'nothing dead-lettered').toBe(deadBefore);
        expect(eventsOf(fs, 'email', /dead-lettered/, downAt)).toEqual([]);
      }),
    settleWithin(TEST_TIMEOUT_MS),
  );

  it(
    'RabbitMQ unreachable for 10 s mid-run: nothing accepted is lost',
    () =>
      withStack('rabbitmq-down', async (fs) => {
        const run = await prepareRun(fs, BATCHES, PER_BATCH);
        const deadBefore = await fs.deadLetterDepth();
        const sending = sendAll(run);

        await whenMailsReach(fs, run, FAULT_AT);
        const { downAt } = await outage(fs, 'rabbitmq', BROKER_OUTAGE_MS);
        await sending;

        const t = await settleAndReport(fs, run, 'rabbitmq-down', {
          stallMs: 60_000,
          timeoutMs: settleWithin(SETTLE_CAP_MS),
          extra: () =>
            `${eventsOf(fs, 'gateway', /rabbitmq reconnected/, downAt).length > 0 ? 'gateway' : 'no gateway'} reconnect logged`,
        });
        expect(t.lost).toBe(0);
        expect(await fs.countWithStatus(run.user.id, 'failed')).toBe(0);
        expect(await fs.deadLetterDepth()).toBe(deadBefore);
      }),
    settleWithin(TEST_TIMEOUT_MS),
  );

  /**
   * Intake while `dependency` is away: half the batches before, the outage
   * with a probe tried every half second (one notification, the same request
   * id each try), the other half after. Every answer during the outage must be
   * a 503 with Retry-After; intake must come back by itself.
   */
  async function intakeOutage(fs: FaultStack, name: string, dependency: Dependency, ms: number) {
    const run = await prepareRun(fs, BATCHES, PER_BATCH);
    const deadBefore = await fs.deadLetterDepth();
    const half = Math.ceil(BATCHES / 2);
    for (let i = 0; i < half; i++) await run.send(i);

    const probe = (await prepareRun(fs, 1, 1)).batch(0).notifications[0];
    const answers: Array<{ status: number; retryAfter: string | null; error: unknown }> = [];
    const tryProbe = async () => {
      const res = await fs.api('POST', '/api/v1/notifications', { auth: fs.sendKey, body: probe }).catch((err: unknown) => ({
        status: 0,
        headers: new Headers(),
        body: { error: String(err) },
      }));
      answers.push({ status: res.status, retryAfter: res.headers.get('retry-after'), error: res.body?.error });
    };
    const { downAt, upAt } = await outage(fs, dependency, ms, tryProbe);

    await expect
      .poll(async () => (await fs.api('POST', '/api/v1/notifications', { auth: fs.sendKey, body: probe })).status, {
        timeout: 30_000,
        interval: 250,
      })
      .toBe(202);
    const recoveredInMs = Date.now() - upAt;
    await sendAll(run, half);

    const statuses = [...new Set(answers.map((a) => a.status))].join(',');
    const t = await settleAndReport(fs, run, name, {
      stallMs: 60_000,
      timeoutMs: settleWithin(SETTLE_CAP_MS),
      extra: () => `${answers.length} intake tries during the outage answered ${statuses}; intake back ${recoveredInMs} ms after`,
    });
    expect(t.lost).toBe(0);
    expect(answers.length, 'intake was tried during the outage').toBeGreaterThan(0);
    expect(
      answers.filter((a) => a.status !== 503),
      'every answer during the outage is a 503',
    ).toEqual([]);
    expect(
      answers.filter((a) => !(Number(a.retryAfter) > 0)),
      'each with Retry-After',
    ).toEqual([]);
    expect(await fs.countWithStatus(run.user.id, 'failed')).toBe(0);
    expect(await fs.deadLetterDepth(), 'nothing dead-lettered').toBe(deadBefore);
    expect(eventsOf(fs, 'gateway', /unhandled error/, downAt), 'no 500 in the gateway').toEqual([]);
  }

  it(
    'Postgres unreachable for 5 s: intake answers 503 with Retry-After (never 500), recovers by itself, all delivered',
    () => withStack('postgres-down', (fs) => intakeOutage(fs, 'postgres-down', 'postgres', DATABASE_OUTAGE_MS)),
    settleWithin(TEST_TIMEOUT_MS),
  );

  // Documented behaviour (README): while Redis is down, rate limits, credential and recipient caches and the
  // workers' idempotency markers cannot be read, so intake refuses with 503 + Retry-After (fail closed; the
  // client's retry is a replay) and the workers retry through the broker instead of sending blind.
  it(
    'Redis down for 8 s: intake answers 503 with Retry-After, workers wait, it recovers by itself, all delivered',
    () => withStack('redis-down', (fs) => intakeOutage(fs, 'redis-down', 'redis', CACHE_OUTAGE_MS)),
    settleWithin(TEST_TIMEOUT_MS),
  );
});

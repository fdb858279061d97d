// @requires DATABASE_URL
// Workflows through a crash: `npm start` (QUEUE_DRIVER=postgres on a fresh
// Postgres database, WORKFLOW_LEASE_MS=2000) holds runs waiting in a delay
// and in digest windows, gets `kill -9`, and starts again on the same
// database. Asserted from the database and the SMTP sink: every run
// finished (completed, or merged into a digest), each send step made exactly
// one notification (none missing, none twice), each digest's notification
// lists every payload that joined it, and no mail reached the sink twice.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { expect, it } from 'vitest';
import { type CapturingSmtpSink, startCapturingSmtpSink } from '../stack/capturing-smtp-sink.js';
import { createPlatformClient, type PlatformClient } from './platform-client.js';
import { type StartProcess, startProcess } from './start-process.js';

const DELAYS = 200;
const DIGESTS = 200;
const DIGEST_KEYS = 4;
/** Long enough that the runs are still waiting when the process is killed, short enough to keep the test short. */
const WAIT = 'PT5S';
/** Triggers per batch call, the calls sent at once: the runs begin within a moment of each other. */
const PER_CALL = 25;

async function define(client: PlatformClient, steps: unknown[]): Promise<string> {
  const key = `wf-${randomBytes(4).toString('hex')}`;
  const res = await client.api('POST', '/api/v1/workflows', { body: { workflow_key: key, name: 'Fault flow', steps } });
  if (res.status !== 201) throw new Error(`workflow: ${res.status} ${JSON.stringify(res.body)}`);
  return key;
}

async function digestTemplate(client: PlatformClient): Promise<string> {
  const code = `fault_digest_${randomBytes(4).toString('hex')}`;
  const res = await client.api('POST', '/api/v1/templates', {
    body: {
      template_code: code,
      channel: 'email',
      category: 'activity',
      content: { subject: '{{ events.size }} events', html: '<p>{% for e in events %}{{ e.n }},{% endfor %}</p>' },
      variables: [{ name: 'events', required: true }],
    },
  });
  if (res.status !== 201) throw new Error(`template: ${res.status} ${JSON.stringify(res.body)}`);
  return code;
}

/** Trigger every body of `triggers`, {@link PER_CALL} a batch call, the calls at once; every one must be accepted. */
async function triggerAll(client: PlatformClient, sendKey: string, key: string, triggers: unknown[]): Promise<void> {
  const calls = [];
  for (let i = 0; i < triggers.length; i += PER_CALL) calls.push(triggers.slice(i, i + PER_CALL));
  await Promise.all(
    calls.map(async (batch) => {
      const res = await client.api('POST', `/api/v1/workflows/${key}/trigger/batch`, {
        auth: sendKey,
        body: { triggers: batch },
      });
      if (res.status !== 207 || res.body.data.accepted !== batch.length) {
        throw new Error(`trigger batch: ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
      }
    }),
  );
}

const count = async (query: Promise<Array<{ n: number }>>) => (await query)[0]!.n;

it(`kill -9 with ${DELAYS} runs in a ${WAIT} delay and ${DIGESTS} triggers in ${DIGEST_KEYS} digest windows: every run finishes, each send once`, async () => {
  const name = `faults_wf_${randomBytes(4).toString('hex')}`;
  const admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
  const target = new URL(process.env.DATABASE_URL!);
  target.pathname = `/${name}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'faults-wf-'));
  const adminKey = randomBytes(24).toString('base64url');
  let sink: CapturingSmtpSink | undefined;
  let sql: postgres.Sql | undefined;
  let platform: StartProcess | undefined;
  try {
    await admin.unsafe(`create database ${name}`);
    sink = await startCapturingSmtpSink();
    const env = {
      DATABASE_URL: target.toString(),
      QUEUE_DRIVER: 'postgres',
      DATA_DIR: dataDir,
      FUNCTIONS: 'gateway,user,template,email',
      SMTP_HOST: sink.host,
      SMTP_PORT: String(sink.port),
      ADMIN_API_KEY: adminKey,
      JWT_SECRET: adminKey,
      // a killed worker's runs are taken again soon after its leases run out
      WORKFLOW_LEASE_MS: '2000',
      RATE_LIMIT_PER_USER_PER_MINUTE: '100000000',
      RATE_LIMIT_PER_KEY_PER_MINUTE: '100000000',
      LOG_LEVEL: 'warn',
    };
    platform = await startProcess(env);
    const client = createPlatformClient({ gatewayUrl: () => platform!.gatewayUrl, adminKey, sink });
    sql = postgres(target.toString(), { max: 2, onnotice: () => {} });
    const db = sql;
    const sendKey = await client.createSendKey();
    const [delayUser, digestUser] = [await client.createUser(), await client.createUser()];
    const delayKey = await define(client, [
      { type: 'delay', duration: WAIT },
      { type: 'send', channel: 'email', template_code: await client.createEmailTemplate() },
    ]);
    const digestKey = await define(client, [
      { type: 'digest', window: WAIT, key: 'thread-{{ payload.thread }}' },
      { type: 'send', channel: 'email', template_code: await digestTemplate(client) },
    ]);

    const triggering = Date.now();
    await Promise.all([
      triggerAll(
        client,
        sendKey,
        delayKey,
        Array.from({ length: DELAYS }, (_, n) => ({
          user_id: delayUser.id,
          request_id: randomUUID(),
          payload: { name: 'Ada', n },
        })),
      ),
      triggerAll(
        client,
        sendKey,
        digestKey,
        Array.from({ length: DIGESTS }, (_, n) => ({
          user_id: digestUser.id,
          request_id: randomUUID(),
          payload: { thread: n % DIGEST_KEYS, n },
        })),
      ),
    ]);
    // every run took its first step (waiting in the delay, collecting, or merged into a collector): the crash
    await expect
      .poll(() => count(db`select count(*)::int as n from workflow_run_steps where step_index = 0`), {
        timeout: 30_000,
        interval: 50,
      })
      .toBe(DELAYS + DIGESTS);
    const triggeredMs = Date.now() - triggering;
    await platform.killHard();
    const waitingAtKill = await count(
      db`select count(*)::int as n from workflow_runs r join workflow_run_steps s on s.run_id = r.id and s.step_index = r.step_index
         where r.state = 'running' and s.state = 'waiting'`,
    );
    const sentAtKill = await count(db`select count(*)::int as n from notifications where request_id like 'workflow:%'`);
    const openDigests = await count(db`select count(*)::int as n from workflow_digests`);
    // the crash came while runs waited: in a delay and in open digest windows
    expect(waitingAtKill).toBeGreaterThan(0);
    expect(openDigests).toBeGreaterThan(0);
    const mailsAtKill = sink.mails.length;
    // a mail the sink took whose delivery was not yet recorded may go again (at least once); none other may
    const inFlight = mailsAtKill - (await count(db`select count(*)::int as n from notifications where status = 'delivered'`));

    platform = await startProcess(env);
    const states = async () =>
      Object.fromEntries(
        (
          await db<Array<{ key: string; state: string; n: number }>>`
          select workflow_key as key, state, count(*)::int as n from workflow_runs group by 1, 2`
        ).map((r) => [`${r.key === delayKey ? 'delay' : 'digest'}:${r.state}`, r.n]),
      );
    // every run finishes: the delays completed, the digests completed (the collectors) or merged
    await expect.poll(async () => (await states())[`delay:completed`], { timeout: 60_000, interval: 250 }).toBe(DELAYS);
    await expect
      .poll(async () => {
        const s = await states();
        return (s['digest:completed'] ?? 0) + (s['digest:merged'] ?? 0);
      })
      .toBe(DIGESTS);
    const finalStates = await states();
    expect(Object.keys(finalStates).sort()).toEqual(['delay:completed', 'digest:completed', 'digest:merged']);

    // each send step made exactly one notification: one per delay run, one per digest collector, none for a merged run
    const sends = await db<Array<{ run_id: string; key: string; state: string; n: number }>>`
      select r.id as run_id, r.workflow_key as key, r.state, count(n.id)::int as n
      from workflow_runs r left join notifications n on n.request_id = 'workflow:' || r.id || ':1'
      group by r.id, r.workflow_key, r.state`;
    const collectors = sends.filter((s) => s.key === digestKey && s.state === 'completed');
    expect(sends.filter((s) => s.state === 'merged' && s.n !== 0)).toEqual([]);
    expect(sends.filter((s) => s.state === 'completed' && s.n !== 1)).toEqual([]);
    expect(await count(db`select count(*)::int as n from notifications where request_id like 'workflow:%'`)).toBe(
      DELAYS + collectors.length,
    );
    // every step recorded once and finished, each send's record naming its notification
    const steps = await db<Array<{ state: string; sends: number; n: number }>>`
      select state, (notification_id is not null)::int as sends, count(*)::int as n from workflow_run_steps group by 1, 2 order by 1, 2`;
    expect(steps).toEqual([
      { state: 'completed', sends: 0, n: DELAYS + collectors.length },
      { state: 'completed', sends: 1, n: DELAYS + collectors.length },
      { state: 'merged', sends: 0, n: DIGESTS - collectors.length },
    ]);

    // each digest's notification lists every payload that joined it (the collector's own and each merged run's,
    // kept on the collector when its window closed), and every trigger joined exactly one digest
    const digests = await db<Array<{ listed: Array<{ n: number }>; collected: Array<{ n: number }>; merged: number }>>`
      select n.variables->'events' as listed, r.events as collected,
        (select count(*)::int from workflow_runs m where m.merged_into = r.id) as merged
      from workflow_runs r join notifications n on n.request_id = 'workflow:' || r.id || ':1'
      where r.workflow_key = ${digestKey}`;
    for (const d of digests) {
      expect(d.listed.map((e) => e.n)).toEqual(d.collected.map((e) => e.n));
      expect(d.collected).toHaveLength(d.merged + 1);
    }
    const everyJoined = digests.flatMap((d) => d.collected.map((e) => e.n)).sort((a, b) => a - b);
    expect(everyJoined).toEqual(Array.from({ length: DIGESTS }, (_, n) => n));

    // the mails: one per notification, none twice
    const expected = DELAYS + collectors.length;
    await expect.poll(() => sink!.mails.length, { timeout: 60_000, interval: 250 }).toBeGreaterThanOrEqual(expected);
    const mailedIds = new Set(sink.mails.map((m) => m.notificationId));
    expect(mailedIds.size).toBe(expected);
    const duplicated = sink.mails.length - expected;
    expect(duplicated).toBeLessThanOrEqual(inFlight);
    expect(
      sink.mails
        .filter((m) => m.to[0] === digestUser.email)
        .map((m) => m.subject)
        .sort(),
    ).toEqual(digests.map((d) => `${d.collected.length} events`).sort());
    process.stdout.write(
      `fault kill-workflow-worker: ${DELAYS} delays, ${DIGESTS} digest triggers -> ${collectors.length} digests; ` +
        `triggered in ${triggeredMs} ms; at the kill ${waitingAtKill} runs waiting, ${openDigests} digests open, ` +
        `${sentAtKill} sent, ${mailsAtKill} mailed (${inFlight} in flight); ` +
        `after the restart every run finished, ${expected} notifications, ${duplicated} mails duplicated\n`,
    );
  } catch (err) {
    if (platform) process.stderr.write(`--- npm start ---\n${platform.tail()}\n`);
    throw err;
  } finally {
    await platform?.stop().catch(() => {});
    await sql?.end().catch(() => {});
    await sink?.close().catch(() => {});
    await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 150_000);

import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processEnv } from '../../../shared/config.js';
import { rowsOf } from '../../../shared/db/bulk-insert.js';
import type { Database } from '../../../shared/db/create-db.js';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { openPlatform, type PlatformKit } from '../test-support/platform-kit.js';
import { createTopicOf } from '../test-support/topic-kit.js';

/** Subscribers of the big topic (FANOUT_TEST_N; 100,000 is the issue's figure, run by hand on Postgres). */
const N = Number(processEnv().FANOUT_TEST_N ?? 1200);
const PAGE = 200;

const toTopic = (key: string, extra: Record<string, unknown> = {}) => ({
  notification_type: 'email',
  topic_key: key,
  template_code: 'kit_welcome',
  variables: { name: 'Everyone' },
  request_id: randomUUID(),
  ...extra,
});

/** Notifications a fan-out wrote: how many, and how many distinct users, by status. */
async function written(database: Database, fanoutId: string) {
  const result = await database.db.execute(sql`
    select status, count(*)::int as n, count(distinct user_id)::int as users from notifications
    where request_id like ${`fanout:${fanoutId}:%`} group by status`);
  return Object.fromEntries(rowsOf<{ status: string; n: number; users: number }>(result).map((r) => [r.status, r]));
}

describe.each(testDatabases())('sending to a topic on $kind', (target) => {
  let kit: PlatformKit;
  let database: Database;
  beforeAll(async () => {
    kit = await openPlatform(target, { env: { FANOUT_PAGE_SIZE: String(PAGE) } });
    database = kit.infra.database;
  });
  afterAll(() => kit.close());

  const send = (body: unknown, auth = kit.sendKey) => kit.request('POST', '/api/v1/notifications', { auth, body });
  const progress = async (id: string, auth = kit.sendKey) =>
    (await kit.request('GET', `/api/v1/fanouts/${id}`, { auth })).body.data;
  const completed = async (id: string) => {
    await expect.poll(async () => (await progress(id)).status, { timeout: 120_000, interval: 200 }).toBe('completed');
    return progress(id);
  };

  it(`one call sends every one of ${N} subscribers exactly one notification, in pages`, async () => {
    const { key } = await createTopicOf(kit, N);
    const started = Date.now();
    const res = await send(toTopic(key));
    expect(res.status).toBe(202);
    expect(res.body.data).toMatchObject({ topic_key: key, status: 'running', total: N });
    const done = await completed(res.body.data.fanout_id);
    const seconds = (Date.now() - started) / 1000;
    expect(done).toMatchObject({ total: N, created: N, skipped: 0, failed: 0 });
    const rows = await written(database, res.body.data.fanout_id);
    expect(rows.pending ?? rows.queued).toBeDefined();
    const all = Object.values(rows).reduce((sum, r) => sum + r.n, 0);
    const users = Object.values(rows).reduce((sum, r) => sum + r.users, 0);
    expect([all, users]).toEqual([N, N]);
    const [outboxOrQueued] = rowsOf<{ n: number }>(
      await database.db.execute(sql`select count(*)::int as n from notifications n
        where request_id like ${`fanout:${res.body.data.fanout_id}:%`}
        and (status = 'queued' or exists (select 1 from outbox o where o.notification_id = n.id))`),
    );
    expect(outboxOrQueued!.n).toBe(N);
    // the figure of a run by hand (FANOUT_TEST_N=100000)
    if (processEnv().FANOUT_TEST_N)
      console.info(`fan-out of ${N} on ${target.kind}: ${seconds.toFixed(1)} s, ${Math.round(N / seconds)} notifications/s`);
  });

  it('applies each subscriber preferences: an opted-out subscriber is recorded as skipped and counted so', async () => {
    const { key, ids } = await createTopicOf(kit, 450, (i) => (i % 3 === 0 ? { email: false } : undefined));
    const res = await send(toTopic(key));
    const done = await completed(res.body.data.fanout_id);
    const off = ids.filter((_, i) => i % 3 === 0).length;
    expect(done).toMatchObject({ total: 450, created: 450 - off, skipped: off, failed: 0 });
    const rows = await written(database, res.body.data.fanout_id);
    expect(rows.skipped).toMatchObject({ n: off, users: off });
  });

  it('is idempotent on request_id: a retry answers the same fan-out, another body under it is 409', async () => {
    const { key } = await createTopicOf(kit, 30);
    const body = toTopic(key);
    const first = await send(body);
    const again = await send(body);
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.data.fanout_id).toBe(first.body.data.fanout_id);
    const done = await completed(first.body.data.fanout_id);
    expect(done.created).toBe(30);
    expect((await send({ ...body, priority: 9 })).status).toBe(409);
    const total = Object.values(await written(database, first.body.data.fanout_id)).reduce((s, r) => s + r.n, 0);
    expect(total).toBe(30);
  });

  it('answers 404 for an unknown topic or template, 422 for missing variables or a second recipient, before storing anything', async () => {
    const { key } = await createTopicOf(kit, 2);
    expect((await send(toTopic(`nope-${randomUUID()}`))).status).toBe(404);
    expect((await send(toTopic(key, { template_code: 'no_such' }))).status).toBe(404);
    const missing = await send(toTopic(key, { variables: {} }));
    expect([missing.status, missing.body.error]).toEqual([422, 'missing_variables']);
    const both = await send(toTopic(key, { user_id: randomUUID() }));
    expect([both.status, both.body.error]).toEqual([422, 'invalid_recipient']);
    const [stored] = rowsOf<{ n: number }>(
      await database.db.execute(sql`select count(*)::int as n from fanouts where topic_key = ${key}`),
    );
    expect(stored!.n).toBe(0);
    const batch = await kit.request('POST', '/api/v1/notifications/batch', {
      auth: kit.sendKey,
      body: { notifications: [toTopic(key)] },
    });
    expect(batch.body.data.items[0]).toMatchObject({ status_code: 422, error: 'invalid_recipient' });
  });

  it('shows a fan-out only to the key that sent it, or an admin', async () => {
    const { key } = await createTopicOf(kit, 1);
    const res = await send(toTopic(key));
    const id = res.body.data.fanout_id;
    const other = await kit.request('POST', '/api/v1/api-keys', { body: { name: 'other', scopes: ['send'] } });
    expect((await kit.request('GET', `/api/v1/fanouts/${id}`, { auth: other.body.data.key })).status).toBe(404);
    expect((await kit.request('GET', `/api/v1/fanouts/${id}`, { auth: kit.adminKey })).status).toBe(200);
    expect((await kit.request('GET', `/api/v1/fanouts/${randomUUID()}`)).status).toBe(404);
  });
});

import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCacheSeal } from '../../../shared/cache/sealed-values.js';
import { createTemplateClient } from '../../../shared/clients/template-client.js';
import { createUserClient } from '../../../shared/clients/user-client.js';
import { rowsOf } from '../../../shared/db/bulk-insert.js';
import { signedPeers } from '../../../shared/runtime/signed-peers.js';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { createNotificationStore } from '../notification-store.js';
import { openPlatform, type PlatformKit } from '../test-support/platform-kit.js';
import { createTopicOf } from '../test-support/topic-kit.js';
import { createFanoutPages, type FanoutPages } from './fanout-page.js';
import { createFanoutStore, type FanoutStore } from './fanout-store.js';
import { createFanoutWorker } from './fanout-worker.js';

const PAGE = 100;
const N = 750;
const LEASE_MS = 1_000;

describe.each(testDatabases())('a fan-out interrupted mid-way on $kind', (target) => {
  let kit: PlatformKit;
  let store: FanoutStore;
  let pages: FanoutPages;
  beforeAll(async () => {
    kit = await openPlatform(target);
    // the kit's gateway would run the fan-outs itself: these tests run their own workers
    await kit.gateway.stop?.();
    const peers = signedPeers(kit.peers, { self: 'gateway', secret: kit.infra.internalSecret });
    const seal = createCacheSeal(kit.infra.jwtSecret);
    const db = kit.infra.database.db;
    store = createFanoutStore(db);
    pages = createFanoutPages({
      users: createUserClient({ fetcher: peers.fetcher('user'), cache: kit.infra.cache, seal, recipientTtlMs: 1_000 }),
      templates: createTemplateClient({ fetcher: peers.fetcher('template'), cache: kit.infra.cache, seal }),
      store: createNotificationStore(db),
      cache: kit.infra.cache,
      limits: { perUserPerMinute: 100 },
      quietHours: { bypassPriority: 11 },
      pageSize: PAGE,
    });
  });
  afterAll(() => kit.close());

  const accept = async (key: string) => {
    const res = await kit.request('POST', '/api/v1/notifications', {
      auth: kit.sendKey,
      body: {
        notification_type: 'email',
        topic_key: key,
        template_code: 'kit_welcome',
        variables: { name: 'All' },
        request_id: randomUUID(),
      },
    });
    expect(res.status).toBe(202);
    return res.body.data.fanout_id as string;
  };
  const written = async (fanoutId: string) => {
    const [row] = rowsOf<{ n: number; users: number }>(
      await kit.infra.database.db.execute(sql`select count(*)::int as n, count(distinct user_id)::int as users
        from notifications where request_id like ${`fanout:${fanoutId}:%`}`),
    );
    return row!;
  };
  const worker = (overrides: Partial<Parameters<typeof createFanoutWorker>[0]> = {}) =>
    createFanoutWorker({
      store,
      nextPage: pages,
      logger: kit.infra.logger,
      leaseMs: LEASE_MS,
      onQueued: () => {},
      idleMs: 50,
      ...overrides,
    });

  it('a worker that dies after 3 pages (its lease never given back) is taken over after the lease: no gaps, no duplicates', async () => {
    const { key, ids } = await createTopicOf(kit, N);
    const fanoutId = await accept(key);
    // worker A: decides its 4th page, then dies before writing it, holding the lease (a dead process releases nothing)
    let decided = 0;
    const dying = worker({
      store: { ...store, release: async () => {} },
      nextPage: async (fanout) => {
        const page = await pages(fanout);
        if (++decided === 4) {
          void dying.stop();
          throw new Error('killed mid fan-out');
        }
        return page;
      },
    });
    dying.start();
    await expect.poll(() => decided, { timeout: 30_000 }).toBe(4);
    await dying.stop();
    expect(await written(fanoutId)).toEqual({ n: 3 * PAGE, users: 3 * PAGE });
    expect((await store.find(fanoutId))!.leasedUntil!.getTime()).toBeGreaterThan(Date.now() - LEASE_MS);

    const successor = worker();
    successor.start();
    await expect.poll(async () => (await store.find(fanoutId))!.state, { timeout: 30_000 }).toBe('completed');
    await successor.stop();
    expect(await written(fanoutId)).toEqual({ n: N, users: N });
    expect(await store.find(fanoutId)).toMatchObject({ total: N, created: N, skipped: 0, failed: 0, cursor: ids.sort().at(-1) });
  });

  it('a worker stopped between pages gives the fan-out back, and a new one goes on from its cursor', async () => {
    const { key } = await createTopicOf(kit, 3 * PAGE + 10);
    const fanoutId = await accept(key);
    let decided = 0;
    const first = worker({
      nextPage: async (fanout) => {
        if (++decided === 2) void first.stop();
        return pages(fanout);
      },
    });
    first.start();
    await expect.poll(() => decided, { timeout: 30_000 }).toBe(2);
    await first.stop();
    const paused = (await store.find(fanoutId))!;
    expect([paused.state, paused.created, paused.leasedUntil]).toEqual(['running', 2 * PAGE, null]);
    const second = worker();
    second.start();
    await expect.poll(async () => (await store.find(fanoutId))!.state, { timeout: 30_000 }).toBe('completed');
    await second.stop();
    expect(await written(fanoutId)).toEqual({ n: 3 * PAGE + 10, users: 3 * PAGE + 10 });
  });

  it('a page written twice (a worker whose lease ran out while another went on) is refused and counts nothing', async () => {
    const { key } = await createTopicOf(kit, PAGE + 5);
    const fanoutId = await accept(key);
    const [leased] = await store.lease(10, LEASE_MS).then((rows) => rows.filter((r) => r.id === fanoutId));
    const page = (await pages(leased!))!;
    expect(await store.writePage(fanoutId, page, LEASE_MS)).toMatchObject({ created: PAGE });
    expect(await store.writePage(fanoutId, page, LEASE_MS)).toBeNull();
    expect(await written(fanoutId)).toEqual({ n: PAGE, users: PAGE });
    expect((await store.find(fanoutId))!.created).toBe(PAGE);
  });
});

import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../../shared/db/bulk-insert.js';
import type { Database } from '../../../shared/db/create-db.js';
import { createLogger } from '../../../shared/logging/logger.js';
import { createMemoryQueue } from '../../../shared/queue/memory-queue.js';
import { createPostgresQueue } from '../../../shared/queue/postgres/postgres-queue.js';
import type { Queue } from '../../../shared/queue/queue.js';
import { emailMessage, pushMessage } from '../../../shared/queue/testing/fixtures.js';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { migrationsOf } from '../../migrations.js';
import { createNotificationStore, type NotificationStore } from '../notification-store.js';
import { createOutboxRelay } from './outbox-relay.js';

const logger = createLogger({ level: 'silent', name: 'test' });

/** The memory queue, with each publish held for `holdMs` and the most publishes seen in flight at once. */
function slowQueue(holdMs: number) {
  const queue = createMemoryQueue({ logger });
  let inFlight = 0;
  const seen = { maxInFlight: 0 };
  const publishMany: Queue['publishMany'] = async (key, messages, options) => {
    seen.maxInFlight = Math.max(seen.maxInFlight, ++inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, holdMs));
      await queue.publishMany(key, messages, options);
    } finally {
      inFlight--;
    }
  };
  return { queue: { ...queue, publishMany } as Queue, memory: queue, seen };
}

/** `n` pending notifications with their outbox rows, as intake writes them. */
async function writePending(store: NotificationStore, n: number, channel: 'email' | 'push' = 'email'): Promise<string[]> {
  const now = new Date();
  const rows = Array.from({ length: n }, () => {
    const message = channel === 'email' ? emailMessage() : pushMessage();
    return {
      notification: {
        id: message.notification_id,
        apiKeyId: 'relay-test',
        requestId: randomUUID(),
        requestHash: 'h',
        channel,
        userId: message.user_id,
        templateCode: message.template_code,
        variables: message.variables,
        metadata: {},
        priority: 5,
        status: 'pending',
        response: { status: 202, body: {} },
        createdAt: now,
        updatedAt: now,
      },
      outbox: { notificationId: message.notification_id, routingKey: channel, payload: message, availableAt: now },
    };
  });
  await store.insertAccepted(
    rows.map((r) => r.notification),
    rows.map((r) => r.outbox),
  );
  return rows.map((r) => r.notification.id);
}

describe.each(testDatabases())('outbox relay on $kind', (target) => {
  let database: Database;
  let store: NotificationStore;
  beforeAll(async () => {
    database = await target.open([migrationsOf('gateway')]);
    store = createNotificationStore(database.db);
  });
  afterAll(() => database.close());

  it('publishes every due row once, deletes it and moves its notification to queued', async () => {
    const ids = await writePending(store, 25);
    const { queue, memory } = slowQueue(0);
    const relay = createOutboxRelay({ store, queue, logger, batchSize: 10 });
    expect(await relay.drain()).toBe(25);
    expect(await relay.drain()).toBe(0);
    const received: string[] = [];
    await memory.consume('email', async (m) => (received.push(m.notification_id), { type: 'done' }));
    await expect.poll(() => received.length).toBe(25);
    expect(new Set(received)).toEqual(new Set(ids));
    for (const id of ids.slice(0, 3)) {
      expect((await store.find(id))!.status).toBe('queued');
      expect((await store.timeline(id)).map((e) => e.status)).toEqual(['queued']);
    }
    await memory.close();
  });

  it('keeps several batches in flight while there is a backlog, and one when it is quiet', async () => {
    const { queue, memory, seen } = slowQueue(40);
    const relay = createOutboxRelay({ store, queue, logger, batchSize: 10, concurrency: 3, idleMs: 20 });
    const deliveries = new Map<string, number>();
    await memory.consume(
      'email',
      async (m) => (deliveries.set(m.notification_id, (deliveries.get(m.notification_id) ?? 0) + 1), { type: 'done' }),
    );
    relay.start();
    try {
      // quiet: fewer rows than a batch, nudged one at a time
      for (let i = 0; i < 3; i++) {
        await writePending(store, 2);
        relay.nudge();
        await expect.poll(() => deliveries.size).toBe(2 * (i + 1));
      }
      expect(seen.maxInFlight).toBe(1);

      // a backlog of ten full batches: the extra loops join in, and every row still goes out exactly once
      const backlog = await writePending(store, 100);
      relay.nudge();
      await expect.poll(() => deliveries.size, { timeout: 10_000 }).toBe(106);
      expect(backlog.every((id) => deliveries.get(id) === 1)).toBe(true);
      expect([...deliveries.values()].every((n) => n === 1)).toBe(true);
      // more than one batch at a time, never more than asked for (the exact peak depends on timing)
      expect(seen.maxInFlight).toBeGreaterThan(1);
      expect(seen.maxInFlight).toBeLessThanOrEqual(3);
    } finally {
      await relay.stop();
      await memory.close();
    }
  });

  it('with the queue in the same database, enqueues a batch in the transaction that deletes its rows', async () => {
    const queue = await createPostgresQueue({ database, logger, pollMs: 20 });
    const ids = await writePending(store, 12);
    const count = async (table: string) =>
      rowsOf<{ n: number }>(await database.db.execute(sql.raw(`select count(*)::int as n from ${table}`)))[0]!.n;
    try {
      // a failure inside the transaction (here: the first enqueue) leaves the rows in the outbox and nothing in the queue
      const failing = {
        ...queue,
        transactional: {
          db: database.db,
          publishMany: async () => {
            throw new Error('enqueue failed');
          },
        },
      } as Queue;
      await expect(
        createOutboxRelay({ store, queue: failing, database: database.db, logger, batchSize: 50 }).drain(),
      ).rejects.toThrow(/enqueue failed/);
      expect(await count('outbox')).toBe(12);
      expect(await count('queue_messages')).toBe(0);

      const relay = createOutboxRelay({ store, queue, database: database.db, logger, batchSize: 5, leaseMs: 1 });
      expect(await relay.drain()).toBe(12);
      expect(await count('outbox')).toBe(0);
      expect(await count('queue_messages')).toBe(12);
      const received: string[] = [];
      await queue.consume('email', async (m) => (received.push(m.notification_id), { type: 'done' }));
      await expect.poll(() => received.length).toBe(12);
      expect(new Set(received)).toEqual(new Set(ids));
      expect((await store.find(ids[0]!))!.status).toBe('queued');
    } finally {
      await queue.close();
    }
  });

  it('gives back only the rows whose publish failed: what reached the queue can no longer be cancelled', async () => {
    const memory = createMemoryQueue({ logger });
    const published: string[] = [];
    const pushDown: Queue['publishMany'] = async (key, messages, options) => {
      if (key === 'push') throw new Error('push exchange unreachable');
      published.push(...messages.map((m) => m.notification_id));
      await memory.publishMany(key, messages, options);
    };
    try {
      const [mail] = await writePending(store, 1, 'email');
      const [push] = await writePending(store, 1, 'push');
      const relay = createOutboxRelay({ store, queue: { ...memory, publishMany: pushDown } as Queue, logger, batchSize: 50 });
      await expect(relay.drain()).rejects.toThrow(/push exchange unreachable/);
      expect(published).toContain(mail);
      expect(await store.cancel(mail!), 'the mail is at the broker').toEqual({ cancelled: false, status: 'queued' });
      expect(await store.cancel(push!), 'the push never left').toEqual({ cancelled: true, status: 'cancelled' });
    } finally {
      await memory.close();
    }
  });

  it('keeps the lease of a batch it published when the bookkeeping after fails: no cancel of a sent message', async () => {
    const memory = createMemoryQueue({ logger });
    try {
      const [id] = await writePending(store, 1, 'email');
      const failingStore: NotificationStore = {
        ...store,
        markPublished: async () => {
          throw new Error('database went away');
        },
      };
      const relay = createOutboxRelay({ store: failingStore, queue: memory, logger, batchSize: 50 });
      await expect(relay.drain()).rejects.toThrow(/database went away/);
      expect(await store.cancel(id!)).toEqual({ cancelled: false, status: 'pending' });
    } finally {
      await memory.close();
    }
  });
});

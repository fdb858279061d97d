import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../shared/db/create-db.js';
import { createLogger } from '../../shared/logging/logger.js';
import { createMemoryQueue } from '../../shared/queue/memory-queue.js';
import type { Queue } from '../../shared/queue/queue.js';
import { emailMessage } from '../../shared/queue/testing/fixtures.js';
import { testDatabases } from '../../shared/test-support/test-databases.js';
import { migrationsOf } from '../migrations.js';
import { createNotificationStore, type NotificationStore } from './notification-store.js';
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
async function writePending(store: NotificationStore, n: number): Promise<string[]> {
  const now = new Date();
  const rows = Array.from({ length: n }, () => {
    const message = emailMessage();
    return {
      notification: {
        id: message.notification_id,
        apiKeyId: 'relay-test',
        requestId: randomUUID(),
        requestHash: 'h',
        channel: 'email' as const,
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
      outbox: { notificationId: message.notification_id, routingKey: 'email' as const, payload: message, availableAt: now },
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
    await memory.consume('email', async (m) => (deliveries.set(m.notification_id, (deliveries.get(m.notification_id) ?? 0) + 1), { type: 'done' }));
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
});

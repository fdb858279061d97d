import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe } from 'vitest';
import type { Database } from '../../db/create-db.js';
import { createLogger } from '../../logging/logger.js';
import { type TestDatabase, testDatabases } from '../../test-support/test-databases.js';
import { type QueueHarness, queueContract } from '../queue.contract.js';
import { createPostgresQueue } from './postgres-queue.js';
import { queueMigrations } from './queue-migrations.js';

const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', name: 'test' });
const VISIBILITY_MS = 2_000;
const DELIVERY_LIMIT = 3;

/**
 * A database per queue on Postgres (its URL lets a child process share it);
 * on PGlite, whose start costs seconds, one for the file, emptied before
 * each queue (the contract closes each queue before making the next).
 */
function databases(target: TestDatabase) {
  let shared: Promise<Database> | undefined;
  return {
    /** Start the shared PGlite before the first case (a start can outlast a case's timeout on a loaded machine). */
    async start() {
      if (target.kind === 'pglite') await (shared ??= target.open([queueMigrations]));
    },
    async next(): Promise<Database & { url?: string; owned: boolean }> {
      if (target.kind === 'postgres') return { ...(await target.open([])), owned: true };
      shared ??= target.open([queueMigrations]);
      const database = await shared;
      await database.db.execute(sql`delete from queue_messages`);
      return { ...database, owned: false };
    },
    async end() {
      await (await shared)?.close();
    },
  };
}

describe.each(testDatabases())('postgres queue on $kind', (target) => {
  const source = databases(target);
  beforeAll(() => source.start(), 120_000);
  afterAll(() => source.end());

  const make: QueueHarness['make'] = async (policies) => {
    const database = await source.next();
    const queue = await createPostgresQueue({
      database,
      logger,
      policies,
      pollMs: 50,
      visibilityTimeoutMs: VISIBILITY_MS,
      deliveryLimit: DELIVERY_LIMIT,
    });
    const closeQueue = queue.close;
    Object.assign(queue, { close: () => closeQueue().finally(() => (database.owned ? database.close() : undefined)) });
    if (!database.url) return { queue };
    return {
      queue,
      stuckConsumer: {
        driver: 'postgres',
        options: { databaseUrl: database.url, visibilityTimeoutMs: VISIBILITY_MS, deliveryLimit: DELIVERY_LIMIT },
      },
    };
  };

  queueContract(`postgres (${target.kind})`, {
    make,
    retryPolicy: { baseDelayMs: 100, factor: 3 },
    priority: true,
    // a consumer in another process needs a real server; on PGlite durability is a restart on its directory
    durable: target.kind === 'postgres',
    deliveryLimit: DELIVERY_LIMIT,
  });
});

import type { Database, Db } from '../../db/create-db.js';
import type { Logger } from '../../logging/logger.js';
import { type MessageInput, type RetryPolicy, ROUTING_KEYS, type RoutingKey, retryPolicies } from '../../messages.js';
import { messageTraceHeaders } from '../../tracing/message-trace.js';
import { createKeyCounters } from '../key-counters.js';
import type { Consumer, DeadLetter, PublishOptions, Queue } from '../queue.js';
import { parseBody, priorityOf, routingKeyOf, userHeaders } from '../wire.js';
import { type DeadRow, deadLetterStatements } from './dead-letter-statements.js';
import { type PollSettings, startPostgresConsumer } from './postgres-consumer.js';
import { queueMigrations } from './queue-migrations.js';
import { type OutgoingRow, queueStatements } from './queue-statements.js';

export interface PostgresQueueOptions {
  /** The database the messages live in; with the outbox's, a relay publishes inside its own transaction. */
  database: Database;
  logger: Logger;
  /** Override retry policies of the catalog (tests shorten the delays). */
  policies?: Partial<Record<RoutingKey, Partial<RetryPolicy>>>;
  /** Jitter source, for tests. */
  random?: () => number;
  /** How long a taken message stays hidden before another consumer may take it (its consumer died). Default 30 s. */
  visibilityTimeoutMs?: number;
  /** Poll interval of an idle consumer. Default 250 ms. */
  pollMs?: number;
  /** Deliveries without a settlement before a message is dead-lettered as poison. Default 5. */
  deliveryLimit?: number;
}

const toDeadLetter = (row: DeadRow): DeadLetter => ({
  id: row.id,
  key: routingKeyOf(row.routing_key),
  reason: row.dead_reason ?? '',
  attempts: row.attempt,
  failedAt: new Date(row.dead_at).toISOString(),
  headers: row.headers ?? {},
  body: parseBody(row.body),
});

/**
 * {@link Queue} on a Postgres table (`queue_messages`), or on PGlite under
 * `npm start`: durable with nothing but the database. Consumers in any
 * number of processes share the work (`FOR UPDATE SKIP LOCKED`); a taken
 * message is hidden for a visibility timeout that a heartbeat extends while
 * its handler runs, so a consumer that dies hands it back; retries wait in
 * the table until due; dead letters are rows marked dead (listing holds
 * nothing). A message taken `deliveryLimit` times without a settlement is a
 * poison message and is dead-lettered. On PGlite (one connection) the
 * statements simply run one after another.
 *
 * `transactional` publishes inside a caller's transaction on the same
 * database: the outbox relay deletes its rows and enqueues their messages in
 * one commit, so a crash loses neither and duplicates neither.
 */
export async function createPostgresQueue(options: PostgresQueueOptions): Promise<Queue> {
  await options.database.migrate(queueMigrations);
  const db = options.database.db;
  const policies = retryPolicies(options.policies);
  const random = options.random ?? Math.random;
  const settings: PollSettings = {
    visibilityMs: options.visibilityTimeoutMs ?? 30_000,
    pollMs: options.pollMs ?? 250,
    deliveryLimit: options.deliveryLimit ?? 5,
  };
  const counters = createKeyCounters();
  const consumers = new Set<Consumer>();
  const sleepers = new Map<RoutingKey, Set<() => void>>(ROUTING_KEYS.map((k) => [k, new Set()]));
  let closed = false;

  const wake = (key: RoutingKey) => {
    const waiting = sleepers.get(key)!;
    for (const resolve of [...waiting]) resolve();
    waiting.clear();
  };
  const nap = (key: RoutingKey) => (ms: number) =>
    new Promise<void>((resolve) => {
      const waiting = sleepers.get(key)!;
      const done = () => {
        clearTimeout(timer);
        waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiting.add(done);
    });

  const assertOpen = () => {
    if (closed) throw new Error('postgres queue is closed');
  };
  const rowsOf = (messages: object[], publishOptions: PublishOptions): OutgoingRow[] => {
    const headers = userHeaders(publishOptions.headers);
    return messages.map((m) => ({
      body: JSON.stringify(m),
      headers: { ...messageTraceHeaders(m), ...headers },
      priority: priorityOf(m),
    }));
  };
  const publishWith = async <K extends RoutingKey>(
    executor: Db,
    key: K,
    messages: Array<MessageInput<K>>,
    publishOptions: PublishOptions = {},
  ) => {
    assertOpen();
    await queueStatements.insert(executor, key, rowsOf(messages, publishOptions), publishOptions.delayMs ?? 0);
    // a publish inside a transaction is seen once it commits: the consumers' next poll finds it
    if (executor === db) wake(key);
  };

  return {
    publish: (key, message, publishOptions) => publishWith(db, key, [message], publishOptions),
    publishMany: (key, messages, publishOptions) => publishWith(db, key, messages, publishOptions),
    transactional: { db, publishMany: publishWith },
    async consume(key, handler, consumeOptions = {}) {
      assertOpen();
      const consumer = startPostgresConsumer({
        db,
        key,
        handler,
        concurrency: Math.max(1, consumeOptions.concurrency ?? 10),
        settings,
        logger: options.logger,
        policy: policies[key],
        random,
        counters,
        nap: nap(key),
      });
      const tracked: Consumer = {
        async stop() {
          consumers.delete(tracked);
          wake(key);
          await consumer.stop();
        },
      };
      consumers.add(tracked);
      return tracked;
    },
    async stats() {
      const { ready, dead } = await queueStatements.depths(db);
      const depth = Object.fromEntries(ROUTING_KEYS.map((k) => [k, ready.get(k) ?? 0])) as Record<RoutingKey, number>;
      return { keys: counters.snapshot(depth), deadLetterDepth: dead };
    },
    deadLetters: {
      async list(limit = 100) {
        return (await deadLetterStatements.list(db, limit)).map(toDeadLetter);
      },
      async redrive(id) {
        const keys = await deadLetterStatements.redrive(db, id);
        for (const key of new Set(keys)) if (routingKeyOf(key)) wake(key as RoutingKey);
        return keys.length;
      },
      purge: () => deadLetterStatements.purge(db),
    },
    async ping() {
      assertOpen();
      await options.database.ping();
    },
    async close() {
      if (closed) return;
      await Promise.all([...consumers].map((c) => c.stop()));
      closed = true;
    },
  };
}

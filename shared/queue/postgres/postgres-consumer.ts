import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/create-db.js';
import type { Logger } from '../../logging/logger.js';
import type { RetryPolicy, RoutingKey } from '../../messages.js';
import { createIdleWaiter, type KeyCounters } from '../key-counters.js';
import type { Consumer, Handler } from '../queue.js';
import { poisonReason, type Settlement, settle } from '../settle.js';
import { queueStatements as statements, type TakenRow } from './queue-statements.js';

export interface PollSettings {
  /** How long a taken message stays hidden; extended while its handler runs. */
  visibilityMs: number;
  /** Wait between polls while nothing is visible (a publish in this process wakes it sooner). */
  pollMs: number;
  /** Deliveries without a settlement before a message is dead-lettered as poison. */
  deliveryLimit: number;
}

export interface PostgresConsumerDeps<K extends RoutingKey> {
  db: Db;
  key: K;
  handler: Handler<K>;
  concurrency: number;
  settings: PollSettings;
  logger: Logger;
  policy: RetryPolicy;
  random: () => number;
  counters: KeyCounters;
  /** Resolves after `ms` or at the next wake of this key, whichever is first. */
  nap(ms: number): Promise<void>;
}

const MAX_BACKOFF_MS = 5_000;

/**
 * One consumer of one key: a loop that takes as many visible messages as it
 * has room for (`FOR UPDATE SKIP LOCKED`, so other consumers and processes
 * take others), runs them through `settle`, and carries out the settlement
 * under the take's lease. A heartbeat keeps running messages hidden; a
 * consumer that dies stops it, and its messages come back after the
 * visibility timeout.
 */
export function startPostgresConsumer<K extends RoutingKey>(deps: PostgresConsumerDeps<K>): Consumer {
  const { db, key, settings, logger } = deps;
  const running = new Map<string, string>(); // message id -> lease
  const idle = createIdleWaiter(() => running.size === 0);
  let stopped = false;
  let roomFreed: (() => void) | undefined;

  const apply = async (row: TakenRow, lease: string, settlement: Settlement) => {
    if (settlement.action === 'ack') await statements.ack(db, row.id, lease);
    else if (settlement.action === 'retry') await statements.retry(db, row.id, lease, settlement.nextAttempt, settlement.delayMs);
    else if (await statements.deadLetter(db, row.id, lease, settlement.reason)) deps.counters.deadLettered(key);
  };

  const run = (row: TakenRow, lease: string) => {
    running.set(row.id, lease);
    deps.counters.taken(key);
    const delivery = { id: row.id, attempt: row.attempt, headers: row.headers ?? {} };
    void settle(key, row.body, delivery, deps.handler, { logger, policy: deps.policy, random: deps.random })
      .then((settlement) => apply(row, lease, settlement))
      .catch((err) =>
        // the message comes back after the visibility timeout and is handled again
        logger.warn({ err, routing_key: key, message_id: row.id }, 'queue settlement not recorded; message will be redelivered'),
      )
      .finally(() => {
        running.delete(row.id);
        deps.counters.settled(key);
        idle.notify();
        roomFreed?.();
      });
  };

  const heartbeat = setInterval(() => {
    const byLease = new Map<string, string[]>();
    for (const [id, lease] of running) byLease.set(lease, [...(byLease.get(lease) ?? []), id]);
    for (const [lease, ids] of byLease)
      statements
        .extend(db, ids, lease, settings.visibilityMs)
        .catch((err) => logger.warn({ err, routing_key: key }, 'queue lease not extended'));
  }, settings.visibilityMs / 3);
  heartbeat.unref();

  async function loop(): Promise<void> {
    let backoff = 100;
    while (!stopped) {
      const room = deps.concurrency - running.size;
      if (room <= 0) {
        await new Promise<void>((resolve) => (roomFreed = resolve));
        roomFreed = undefined;
        continue;
      }
      const lease = randomUUID();
      try {
        const { taken, poisoned } = await statements.take(db, key, room, {
          lease,
          visibilityMs: settings.visibilityMs,
          deliveryLimit: settings.deliveryLimit,
          poisonReason: poisonReason(settings.deliveryLimit),
        });
        backoff = 100;
        for (const id of poisoned) {
          deps.counters.deadLettered(key);
          logger.error(
            { routing_key: key, message_id: id, reason: poisonReason(settings.deliveryLimit) },
            'queue message dead-lettered',
          );
        }
        for (const row of taken) run(row, lease);
        if (taken.length + poisoned.length < room) await deps.nap(settings.pollMs);
      } catch (err) {
        logger.warn({ err, routing_key: key, retry_in_ms: backoff }, 'queue poll failed');
        await deps.nap(backoff);
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
      }
    }
  }
  const looping = loop();

  return {
    async stop() {
      stopped = true;
      roomFreed?.();
      await looping;
      await idle.wait();
      clearInterval(heartbeat);
    },
  };
}

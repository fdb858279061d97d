import type { Db } from '../../../shared/db/create-db.js';
import type { Logger } from '../../../shared/logging/logger.js';
import type { MessageInput } from '../../../shared/messages.js';
import type { Queue } from '../../../shared/queue/queue.js';
import { createWakeableSleep } from '../../../shared/runtime/wakeable-sleep.js';
import { CHANNELS } from '../../../shared/schemas/channels.js';
import type { NotificationStore, OutboxRow } from '../notification-store.js';
import type { OutboxKey } from '../schema.js';

export interface OutboxRelayDeps {
  store: NotificationStore;
  queue: Queue;
  /**
   * The database behind `store`. When the queue keeps its messages there too
   * (the Postgres driver), a batch is enqueued and deleted from the outbox in
   * one transaction.
   */
  database?: Db;
  logger: Logger;
  /** Rows taken per transaction. */
  batchSize: number;
  /** Poll interval when idle (scheduled sends become due without a nudge). */
  idleMs?: number;
  /** Longest wait between tries while the broker or the database is down. */
  maxBackoffMs?: number;
  /** How long a relay holds rows it is publishing; a relay that died holding them loses them after this. */
  leaseMs?: number;
  /** After a nudge, wait this long so the intakes of the next few milliseconds share one batch. */
  nudgeDelayMs?: number;
  /**
   * Batches in flight at once while there is a backlog (default 3): one
   * batch's publish overlaps the next one's lease and the last one's mark.
   */
  concurrency?: number;
}

export interface OutboxRelay {
  start(): void;
  /** Publish now rather than at the next poll (called after an intake commits). */
  nudge(): void;
  /** Finish the batch in hand and stop. */
  stop(): Promise<void>;
  /** Relay until nothing is due (tests, shutdown). */
  drain(): Promise<number>;
}

/** Every routing key an outbox row may name: the channels' deliveries and the webhooks' events. */
const OUTBOX_KEYS = [...CHANNELS, 'webhook'] as const satisfies readonly OutboxKey[];

/** Longer than a publish can take (the queue's own publish timeout), so a live relay keeps its rows. */
const DEFAULT_LEASE_MS = 60_000;

/**
 * Publishes outbox rows to the queue and deletes them, batch by batch. Several
 * gateway replicas can relay at once: each leases its batch
 * (`FOR UPDATE SKIP LOCKED` + `leased_until`) and publishes outside any
 * transaction. A publish that fails (broker down) gives the rows back, and
 * they are taken again after a backoff: a crash or an outage between commit
 * and publish loses nothing. A relay that dies mid-publish leaves its rows
 * leased until the lease expires, then another relay publishes them again;
 * consumers are idempotent, so that costs a duplicate message, not a
 * duplicate notification. Batches in flight at once (`concurrency`, and
 * several replicas) can reach the broker out of `available_at` order: the
 * queue gives no order between messages anyway (priorities, retries).
 *
 * With the queue in the same database (`database`, the Postgres driver) a
 * batch's messages are enqueued in the transaction that deletes its rows: a
 * crash at any point leaves each row either in the outbox or in the queue.
 */
export function createOutboxRelay(deps: OutboxRelayDeps): OutboxRelay {
  const idleMs = deps.idleMs ?? 250;
  const maxBackoffMs = deps.maxBackoffMs ?? 5_000;
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  const nudgeDelayMs = deps.nudgeDelayMs ?? 5;
  let nudgeTimer: NodeJS.Timeout | undefined;
  let running = false;
  let loop: Promise<void> | undefined;
  const pause = createWakeableSleep();
  const concurrency = deps.concurrency ?? 3;
  /** Extra loops waiting for a backlog; each takes batches while they come full. */
  const idleHelpers: Array<() => void> = [];
  let helpers: Array<Promise<void>> = [];

  const byChannel = (rows: OutboxRow[]) =>
    OUTBOX_KEYS.map((channel) => {
      const of = rows.filter((r) => r.routingKey === channel);
      return { channel, rows: of, messages: of.map((r) => r.payload as MessageInput<typeof channel>) };
    }).filter((group) => group.messages.length > 0);

  const inDatabase =
    deps.queue.transactional && deps.queue.transactional.db === deps.database ? deps.queue.transactional : undefined;

  /**
   * With the queue in this database: enqueue and delete in one transaction,
   * so a failure leaves the whole batch unpublished and its lease is given back.
   */
  async function enqueueAndMark(rows: OutboxRow[]): Promise<void> {
    try {
      await deps.store.markPublished(rows, new Date(), async (tx, deleted) => {
        for (const group of byChannel(deleted)) await inDatabase!.publishMany(tx, group.channel, group.messages);
      });
    } catch (err) {
      await deps.store.releaseLease(rows).catch(() => {});
      throw err;
    }
  }

  /**
   * Publish each channel's rows, then delete what was published. Only the rows
   * whose publish failed get their lease back (and may still be cancelled);
   * rows that reached the broker keep it even when the delete after fails, so
   * a cancel is refused and the relay publishes them again once it runs out
   * (the workers' ledger makes that repeat harmless).
   */
  async function publishAndMark(rows: OutboxRow[]): Promise<void> {
    const groups = byChannel(rows);
    const results = await Promise.allSettled(groups.map((group) => deps.queue.publishMany(group.channel, group.messages)));
    const published = groups.filter((_, i) => results[i]!.status === 'fulfilled').flatMap((group) => group.rows);
    const unpublished = groups.filter((_, i) => results[i]!.status === 'rejected').flatMap((group) => group.rows);
    if (unpublished.length > 0) await deps.store.releaseLease(unpublished).catch(() => {});
    if (published.length > 0) await deps.store.markPublished(published, new Date());
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  }

  async function relayOnce(): Promise<number> {
    const rows = await deps.store.leaseOutbox(deps.batchSize, leaseMs);
    if (rows.length > 0) await (inDatabase ? enqueueAndMark(rows) : publishAndMark(rows));
    return rows.length;
  }

  async function run(): Promise<void> {
    let backoff = 100;
    while (running) {
      pause.beginRound();
      try {
        const n = await relayOnce();
        backoff = 100;
        if (n >= deps.batchSize) {
          idleHelpers.shift()?.();
          continue;
        }
        await pause.sleep(idleMs);
      } catch (err) {
        deps.logger.warn({ err, retry_in_ms: backoff }, 'outbox relay failed; rows stay in the outbox');
        await pause.sleep(backoff);
        backoff = Math.min(maxBackoffMs, backoff * 2);
      }
    }
  }

  /** A loop that only runs while batches come full (a backlog), so a quiet relay makes no extra queries. */
  async function helper(): Promise<void> {
    while (running) {
      await new Promise<void>((resolve) => idleHelpers.push(resolve));
      try {
        while (running && (await relayOnce()) >= deps.batchSize) idleHelpers.shift()?.();
      } catch (err) {
        // the main loop backs off and retries; this one waits for the next backlog
        deps.logger.warn({ err }, 'outbox relay helper failed; rows stay in the outbox');
      }
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop = run();
      helpers = Array.from({ length: concurrency - 1 }, helper);
    },
    nudge() {
      if (pause.nudged || nudgeTimer) return;
      nudgeTimer = setTimeout(() => {
        nudgeTimer = undefined;
        pause.nudge();
      }, nudgeDelayMs);
    },
    async stop() {
      running = false;
      clearTimeout(nudgeTimer);
      pause.interrupt();
      for (const release of idleHelpers.splice(0)) release();
      await Promise.all([loop, ...helpers]);
    },
    async drain() {
      let total = 0;
      for (let n = await relayOnce(); n > 0; n = await relayOnce()) total += n;
      return total;
    },
  };
}

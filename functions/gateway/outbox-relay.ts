import type { Logger } from '../../shared/logging/logger.js';
import type { MessageInput } from '../../shared/messages.js';
import type { Queue } from '../../shared/queue/queue.js';
import type { NotificationStore, OutboxRow } from './notification-store.js';

export interface OutboxRelayDeps {
  store: NotificationStore;
  queue: Queue;
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
 */
export function createOutboxRelay(deps: OutboxRelayDeps): OutboxRelay {
  const idleMs = deps.idleMs ?? 250;
  const maxBackoffMs = deps.maxBackoffMs ?? 5_000;
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  const nudgeDelayMs = deps.nudgeDelayMs ?? 5;
  let nudgeTimer: NodeJS.Timeout | undefined;
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let nudged = false;
  const concurrency = deps.concurrency ?? 3;
  /** Extra loops waiting for a backlog; each takes batches while they come full. */
  const idleHelpers: Array<() => void> = [];
  let helpers: Array<Promise<void>> = [];

  async function publish(rows: OutboxRow[]): Promise<void> {
    const email = rows.filter((r) => r.routingKey === 'email').map((r) => r.payload as MessageInput<'email'>);
    const push = rows.filter((r) => r.routingKey === 'push').map((r) => r.payload as MessageInput<'push'>);
    await Promise.all([
      email.length > 0 ? deps.queue.publishMany('email', email) : undefined,
      push.length > 0 ? deps.queue.publishMany('push', push) : undefined,
    ]);
  }

  async function relayOnce(): Promise<number> {
    const rows = await deps.store.leaseOutbox(deps.batchSize, leaseMs);
    if (rows.length > 0) {
      const publishedAt = new Date();
      try {
        await publish(rows);
      } catch (err) {
        await deps.store.releaseLease(rows).catch(() => {});
        throw err;
      }
      await deps.store.markPublished(rows, publishedAt);
    }
    return rows.length;
  }

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
      if (nudged) done();
    });

  async function run(): Promise<void> {
    let backoff = 100;
    while (running) {
      nudged = false;
      try {
        const n = await relayOnce();
        backoff = 100;
        if (n >= deps.batchSize) {
          idleHelpers.shift()?.();
          continue;
        }
        await sleep(idleMs);
      } catch (err) {
        deps.logger.warn({ err, retry_in_ms: backoff }, 'outbox relay failed; rows stay in the outbox');
        await sleep(backoff);
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
      if (nudged || nudgeTimer) return;
      nudgeTimer = setTimeout(() => {
        nudgeTimer = undefined;
        nudged = true;
        wake?.();
      }, nudgeDelayMs);
    },
    async stop() {
      running = false;
      clearTimeout(nudgeTimer);
      wake?.();
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

import type { Logger } from '../../../shared/logging/logger.js';
import { createPollingLoop } from '../../../shared/runtime/polling-loop.js';
import type { FanoutPages } from './fanout-page.js';
import type { FanoutRow, FanoutStore } from './fanout-store.js';

export interface FanoutWorkerDeps {
  store: FanoutStore;
  nextPage: FanoutPages;
  logger: Logger;
  /** How long this worker holds a fan-out between pages (FANOUT_LEASE_MS). */
  leaseMs: number;
  /** Called after a page queued notifications in the outbox, so the relay publishes at once. */
  onQueued: () => void;
  /** Poll interval when idle: a fan-out another gateway gave up is taken within this. */
  idleMs?: number;
  /** Longest wait between tries while the database or the user function is down. */
  maxBackoffMs?: number;
}

export interface FanoutWorker {
  start(): void;
  /** Look for work now (called after a fan-out was accepted). */
  nudge(): void;
  /** Finish the page in hand, give the fan-out back, and stop. */
  stop(): Promise<void>;
  /** Run every fan-out due until none is left (tests). */
  drain(): Promise<void>;
}

/**
 * Runs fan-outs page by page. Each gateway's worker leases one running
 * fan-out at a time (`FOR UPDATE SKIP LOCKED` + `leased_until`, like the
 * outbox relay), so several gateways share the work; each page is one
 * transaction that writes its notifications and advances the cursor
 * (`FanoutStore.writePage`), so a worker killed at any point leaves the
 * fan-out at the end of its last page: the lease runs out, another worker
 * goes on from there, and nobody is skipped or written twice.
 */
export function createFanoutWorker(deps: FanoutWorkerDeps): FanoutWorker {
  const idleMs = deps.idleMs ?? 500;

  /** One page of `fanout`; the row as it is after the page, or null when this worker no longer runs it. */
  async function runPage(fanout: FanoutRow): Promise<FanoutRow | null> {
    const page = await deps.nextPage(fanout);
    if (!page) {
      await deps.store.fail(fanout.id, `topic ${fanout.topicKey} no longer exists`);
      deps.logger.warn({ fanout_id: fanout.id, topic_key: fanout.topicKey }, 'fan-out stopped: its topic is gone');
      return null;
    }
    const after = await deps.store.writePage(fanout.id, page, deps.leaseMs);
    if (!after) {
      deps.logger.warn({ fanout_id: fanout.id }, 'fan-out page not written: another worker took the fan-out over');
      return null;
    }
    if (page.outboxRows.length > 0) deps.onQueued();
    if (after.state === 'completed') {
      deps.logger.info(
        { fanout_id: after.id, total: after.total, created: after.created, skipped: after.skipped, failed: after.failed },
        'fan-out completed',
      );
      return null;
    }
    return after;
  }

  /** Page after page while this worker runs; a stop between pages gives the fan-out back. */
  async function runFanout(fanout: FanoutRow, keepGoing: () => boolean): Promise<void> {
    let current: FanoutRow | null = fanout;
    try {
      while (current && keepGoing()) current = await runPage(current);
    } finally {
      if (current) await deps.store.release(current.id).catch(() => {});
    }
  }

  async function runOnce(keepGoing: () => boolean): Promise<number> {
    const [fanout] = await deps.store.lease(1, deps.leaseMs);
    if (!fanout) return 0;
    await runFanout(fanout, keepGoing);
    return 1;
  }

  const loop = createPollingLoop({
    round: async (keepGoing) => ((await runOnce(keepGoing)) === 0 ? idleMs : 0),
    logger: deps.logger,
    failure: 'fan-out page failed; it is tried again from its last page',
    maxBackoffMs: deps.maxBackoffMs,
  });

  return {
    start: () => loop.start(),
    nudge: () => loop.nudge(),
    stop: () => loop.stop(),
    async drain() {
      while ((await runOnce(() => true)) > 0) {}
    },
  };
}

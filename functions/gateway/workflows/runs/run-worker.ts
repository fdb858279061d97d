import type { Logger } from '../../../../shared/logging/logger.js';
import { createPollingLoop } from '../../../../shared/runtime/polling-loop.js';
import type { RunEngine } from '../steps/run-engine.js';
import type { RunRow, RunStore } from './run-store.js';

export interface RunWorkerDeps {
  runs: RunStore;
  engine: RunEngine;
  logger: Logger;
  /** How long a worker holds the runs it took (WORKFLOW_LEASE_MS); a crashed worker's runs are taken after it. */
  leaseMs: number;
  /** Runs taken per round, and advanced at once. */
  batchSize?: number;
  /** Longest sleep when nothing is due: a run another gateway created is seen within this. */
  idleMs?: number;
  /** Longest wait between tries while the database is down. */
  maxBackoffMs?: number;
  /** Called when a run finished (for metrics): its outcome. */
  onFinished?: (run: RunRow) => void;
}

export interface RunWorker {
  start(): void;
  /** Look for due runs now (a trigger was accepted). */
  nudge(): void;
  stop(): Promise<void>;
  /** Take every due run until none is due (tests). */
  drain(): Promise<void>;
}

/**
 * The workflows' durable timers: runs whose next step is due are taken from
 * Postgres (`FOR UPDATE SKIP LOCKED`, then a lease), advanced, and given
 * back; the worker sleeps until the next due time (or `idleMs`). Nothing is
 * kept in memory: a worker killed mid-run leaves its runs leased, and once
 * the lease runs out any worker goes on from the last step recorded.
 */
export function createRunWorker(deps: RunWorkerDeps): RunWorker {
  const batchSize = deps.batchSize ?? 50;
  const idleMs = deps.idleMs ?? 1_000;

  async function advanceOne(run: RunRow, keepGoing: () => boolean): Promise<void> {
    try {
      const after = await deps.engine.advance(run, keepGoing);
      if (after && after.state !== 'running') deps.onFinished?.(after);
      else if (after) await deps.runs.release(after.id);
    } catch (err) {
      // the lease runs out and the step is taken again (a send finds its notification by request id)
      deps.logger.warn({ err, workflow_run_id: run.id }, 'workflow step failed; it is tried again');
    }
  }

  async function round(keepGoing: () => boolean): Promise<number> {
    const runs = await deps.runs.lease(batchSize, deps.leaseMs);
    await Promise.all(runs.map((run) => advanceOne(run, keepGoing)));
    return runs.length;
  }

  const loop = createPollingLoop({
    async round(keepGoing) {
      if ((await round(keepGoing)) >= batchSize) return 0;
      // asleep until the next run is due (a delay's end), or `idleMs` for runs another gateway creates
      const next = await deps.runs.nextDueInMs();
      return next === null ? idleMs : Math.min(idleMs, Math.max(5, next));
    },
    logger: deps.logger,
    failure: 'workflow worker round failed; trying again',
    maxBackoffMs: deps.maxBackoffMs,
  });

  return {
    start: () => loop.start(),
    nudge: () => loop.nudge(),
    stop: () => loop.stop(),
    async drain() {
      while ((await round(() => true)) > 0) {}
    },
  };
}

import type { Logger } from '../../../shared/logging/logger.js';
import type { NotificationStore, StatusReport } from '../notification-store.js';

export interface StatusRecorderDeps {
  store: NotificationStore;
  logger: Logger;
  /** Most reports written in one transaction. */
  maxBatch?: number;
}

/**
 * Batches status reports: every report arriving while a write is in flight
 * joins the next transaction, so a burst of deliveries costs a few commits,
 * not one each. `record` resolves once its report is committed (and rejects
 * if that commit failed, so the queue retries the message).
 */
export function createStatusRecorder(deps: StatusRecorderDeps) {
  const maxBatch = deps.maxBatch ?? 500;
  let pending: Array<{ report: StatusReport; resolve: () => void; reject: (err: unknown) => void }> = [];
  let writing = false;

  async function flush(): Promise<void> {
    writing = true;
    while (pending.length > 0) {
      const batch = pending.slice(0, maxBatch);
      pending = pending.slice(batch.length);
      try {
        const { unknown } = await deps.store.recordStatuses(batch.map((b) => b.report));
        if (unknown > 0) deps.logger.warn({ unknown }, 'status reports for unknown notifications ignored');
        for (const b of batch) b.resolve();
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    writing = false;
  }

  return {
    record(report: StatusReport): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        pending.push({ report, resolve, reject });
        if (!writing) void flush();
      });
    },
  };
}

export type StatusRecorder = ReturnType<typeof createStatusRecorder>;

import { done, type Handler, retry } from '../../shared/queue/queue.js';
import type { StatusRecorder } from './status/status-recorder.js';

/**
 * The gateway's queue side: `status` messages from the workers become
 * timeline events and (monotonic) status changes. A failed write (the
 * database is down) is retried through the queue; recording twice only adds
 * a duplicate event, never a wrong status.
 */
export function createRecordStatus(recorder: StatusRecorder): Handler<'status'> {
  return async function recordStatus(message) {
    try {
      await recorder.record(message);
      return done();
    } catch (err) {
      return retry(`status not recorded: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
}

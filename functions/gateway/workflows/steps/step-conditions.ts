import type { NotificationStatus } from '../../../../shared/schemas/notification-statuses.js';
import type { StepCondition } from '../definitions/workflow.schemas.js';

/** What became of the send before a step: its notification's status, or that no notification was made. */
export interface PreviousSend {
  /** Null when the send step made no notification (its template or user was missing). */
  status: NotificationStatus | null;
  /** The push worker found no device for the user. */
  noDevice: boolean;
}

const FAILED: ReadonlySet<string> = new Set(['failed', 'bounced', 'complained']);
const DELIVERED: ReadonlySet<string> = new Set(['delivered', 'read']);

/**
 * Whether a step's `if` holds, given the last send taken before it (sends
 * their own condition skipped are passed over; none: the condition does not
 * hold, and the step is skipped):
 * - `failed`: that send failed, bounced or drew a complaint, or made no notification;
 * - `not_delivered`: it is not (yet) delivered, whatever else it is;
 * - `not_read`: it is not read (only in-app items are ever read);
 * - `no_device`: the push worker found no device for the user.
 */
export function conditionHolds(condition: StepCondition, previous: PreviousSend | null): boolean {
  if (!previous) return false;
  const { status } = previous;
  switch (condition) {
    case 'failed':
      return status === null || FAILED.has(status);
    case 'not_delivered':
      return status === null || !DELIVERED.has(status);
    case 'not_read':
      return status !== 'read';
    case 'no_device':
      return previous.noDevice;
  }
}

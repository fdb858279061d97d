import type { Channel } from '../../../shared/schemas/channels.js';

/** One channel given up on: why, and when. */
export interface TriedChannel {
  channel: Channel;
  reason: string;
  at: string;
}

/** A later channel of the list, with everything its send needs, pinned when the notification was accepted. */
export interface NextChannel {
  channel: Channel;
  templateVersion: number;
  language: string;
  category: string;
  /** The address the status recorder may suppress (email), as `notifications.recipient`. */
  recipient: string | null;
  /** The delivery message the outbox publishes on this channel's routing key. */
  payload: Record<string, unknown>;
}

/**
 * A notification sent with an ordered channel list (`notification_type:
 * ["push", "email"]`), stored with it (`notifications.fallback`): the list,
 * the channels given up on so far, and the ones still to try. Null for a
 * notification of one channel.
 */
export interface FallbackPlan {
  channels: Channel[];
  tried: TriedChannel[];
  next: NextChannel[];
}

import type { StatusMessage } from '../messages.js';
import type { Queue } from '../queue/queue.js';
import type { Channel } from '../schemas/channels.js';

/** Longest text a status report carries in `error` and `response` (the catalog's limit). */
export const MAX_STATUS_TEXT = 2000;
/** Longest `provider_message_id`. */
const MAX_PROVIDER_ID = 500;

/** The one clipping of provider text for status reports: whole when it fits, else cut with an ellipsis. */
export function clip(text: string, max = MAX_STATUS_TEXT): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** What a status report says beyond whose it is and when. */
export type StatusFields = Omit<StatusMessage, 'notification_id' | 'channel' | 'timestamp' | 'attempt' | 'correlation_id'>;

/** A report's fields but its status: what a provider call tells (provider, ids, response, error). */
export type ReportFields = Omit<StatusFields, 'status'>;

/** The delivery a report is about. */
export interface ReportedDelivery {
  notification_id: string;
  correlation_id?: string | undefined;
}

/**
 * Builds and publishes a channel's status reports (routing key `status`):
 * notification, channel, time, attempt and correlation id filled in, every
 * provider text clipped to what the catalog accepts.
 */
export function createStatusReporter(deps: { channel: Channel; queue: Pick<Queue, 'publishMany'>; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  const status = (delivery: ReportedDelivery, attempt: number, fields: StatusFields): StatusMessage => ({
    notification_id: delivery.notification_id,
    channel: deps.channel,
    timestamp: now().toISOString(),
    attempt,
    ...(delivery.correlation_id && { correlation_id: delivery.correlation_id }),
    ...fields,
    ...(fields.error !== undefined && { error: clip(fields.error) }),
    ...(fields.response !== undefined && { response: clip(fields.response) }),
    ...(fields.provider_message_id !== undefined && { provider_message_id: clip(fields.provider_message_id, MAX_PROVIDER_ID) }),
  });
  return {
    status,
    /** Publish reports together (one batch on the queue). */
    async publish(reports: StatusMessage[]): Promise<void> {
      if (reports.length > 0) await deps.queue.publishMany('status', reports);
    },
  };
}

export type StatusReporter = ReturnType<typeof createStatusReporter>;

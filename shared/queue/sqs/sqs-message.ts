import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { RoutingKey } from '../../messages.js';
import type { Delivery } from '../queue.js';
import { HEADER, publicHeaders } from '../wire.js';

// What a platform message looks like on SQS, shared by the adapter (`sqs-queue.ts`, long polling) and the
// Lambda batch handler (`sqs-batch-handler.ts`, event records): queue names, limits, message attributes
// both ways, the delivery a handler sees, and the attributes of a dead-letter copy.

/**
 * SQS allows 10 message attributes; the adapter uses up to 4 of them (routing key, and reason, time, attempt on
 * dead letters). The trace context (`traceparent`, `tracestate`) takes what the caller's headers leave of these 6.
 */
export const MAX_SQS_HEADERS = 6;
/** Entries per batch call (send, delete, change visibility) and messages per receive. */
export const MAX_BATCH = 10;
/** Longest publish delay SQS allows. */
export const MAX_DELAY_SECONDS = 900;
/** Longest visibility timeout SQS allows (12 hours): the longest retry delay. */
export const MAX_VISIBILITY_SECONDS = 43_200;
// attribute values are capped in size with the body; a reason is a line, not a dump
const MAX_REASON_CHARS = 4_000;

/** Queue names for one prefix (SQS_QUEUE_PREFIX): `<prefix>email-queue`, ..., `<prefix>failed-queue`. */
export function sqsQueueNames(prefix = '') {
  return { queue: (key: RoutingKey) => `${prefix}${key}-queue`, failedQueue: `${prefix}failed-queue` };
}

/** String headers as SQS message attributes. */
export function toAttributes(headers: Record<string, string>): Record<string, MessageAttributeValue> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]));
}

/**
 * The string attributes of a received message (the SDK spells the value
 * `StringValue`) or of a Lambda event record (`stringValue`).
 */
export function attributesOf(
  attributes: Record<string, { StringValue?: string } | { stringValue?: string }> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    const text = 'StringValue' in value ? value.StringValue : 'stringValue' in value ? value.stringValue : undefined;
    if (text !== undefined) out[name] = text;
  }
  return out;
}

/** What the handler learns of a received message: the attempt is SQS's `ApproximateReceiveCount`. */
export function deliveryOf(id: string, receiveCount: string | undefined, attributes: Record<string, string>): Delivery {
  return { id, attempt: Number(receiveCount) || 1, headers: publicHeaders(attributes) };
}

/** Attributes of a message's copy in the dead-letter queue: its own, plus key, reason, time and attempt. */
export function deadLetterAttributes(
  attributes: Record<string, string>,
  key: RoutingKey,
  reason: string,
  attempt: number,
): Record<string, string> {
  return {
    ...attributes,
    [HEADER.key]: key,
    [HEADER.reason]: reason.slice(0, MAX_REASON_CHARS),
    [HEADER.failedAt]: new Date().toISOString(),
    [HEADER.attempt]: String(attempt),
  };
}

import { isRoutingKey, MAX_PRIORITY, type RoutingKey } from '../messages.js';

/** Header / attribute names the adapters own; user headers must not start with `x-`. */
export const HEADER = {
  attempt: 'x-attempt',
  key: 'x-routing-key',
  reason: 'x-dead-letter-reason',
  failedAt: 'x-failed-at',
  /** Unsettled deliveries so far, on a copy put back by the RabbitMQ adapter (classic queues count none). */
  deliveries: 'x-deliveries',
} as const;

/** A message's broker priority: its `priority` field clamped to 0..MAX_PRIORITY, 0 when it has none. */
export function priorityOf(message: object): number {
  const priority = (message as { priority?: unknown }).priority;
  return typeof priority === 'number' && Number.isFinite(priority)
    ? Math.min(MAX_PRIORITY, Math.max(0, Math.round(priority)))
    : 0;
}

/** Reject reserved header names loudly at publish rather than let them corrupt attempt counting. */
export function userHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  if (!headers) return {};
  for (const name of Object.keys(headers)) {
    if (name.toLowerCase().startsWith('x-'))
      throw new RangeError(`header ${name}: names starting with x- are reserved for the queue`);
  }
  return headers;
}

/** The user headers of a delivery: every string header that is not one of ours. */
export function publicHeaders(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!name.startsWith('x-') && typeof value === 'string') out[name] = value;
  }
  return out;
}

export function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function routingKeyOf(value: unknown): RoutingKey | undefined {
  return isRoutingKey(value) ? value : undefined;
}

import { parseRetryAfter } from '../../../shared/http/retry-after.js';
import type { Logger } from '../../../shared/logging/logger.js';
import type { WebhookMessage } from '../../../shared/messages.js';
import { REFUSED_BY_POLICY } from '../../../shared/net/outbound-failure.js';
import { deadLetter, done, type Handler, retry } from '../../../shared/queue/queue.js';
import type { EndpointBreakers } from './endpoint-breakers.js';
import { signatureHeaders } from './webhook-secrets.js';
import type { WebhookStore } from './webhook-store.js';
import type { WebhookAnswer } from './webhook-transport.js';

export interface DeliverWebhookDeps {
  store: WebhookStore;
  /** The outbound calls, through one circuit breaker per endpoint. */
  calls: EndpointBreakers;
  logger: Logger;
  /** An endpoint failing for this long (every attempt) is disabled; unset: never. */
  disableAfterMs?: number;
  /**
   * Send this message again after `delayMs` as a fresh one (the queue's
   * `publish` with a delay): an open circuit postpones a delivery without
   * spending its attempts, since nothing was sent.
   */
  postpone: (message: WebhookMessage, delayMs: number) => Promise<void>;
  /** The `webhook` retry policy's attempts: the last one marks the delivery failed. */
  maxAttempts: number;
  /** Deadline of one attempt (default 10 s). */
  timeoutMs?: number;
  now?: () => Date;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** A `Retry-After` longer than this is not honoured as is (the policy's cap applies after). */
const MAX_RETRY_AFTER_MS = 12 * 3_600_000;

/**
 * The `webhook` worker: one signed POST of a stored delivery to its
 * endpoint, through its circuit breaker. A 2xx delivers it; anything else
 * (an answer, a timeout) is retried through the queue with the policy's
 * backoff,
 * or after the answer's `Retry-After`, and the last attempt marks it failed
 * before the queue dead-letters it. While the endpoint's circuit is open
 * nothing is sent: the delivery is postponed by the circuit's reset time
 * as a fresh message, its attempts untouched. A delivery already delivered, or whose
 * endpoint is gone, is done: a redelivered message never sends twice what
 * the receiver acknowledged. A URL the outbound policy refuses (checked at
 * send time, on the resolved address) fails at once. An endpoint whose every
 * attempt has failed for `disableAfterMs` is disabled (logged once at warn;
 * `webhook_endpoint.disabled` goes to the other endpoints subscribed), and its
 * deliveries are failed unsent until it is enabled again. What the log keeps of a failure is a code
 * (`http_503`, `response_timeout`), never the remote's body.
 */
export function createDeliverWebhook(deps: DeliverWebhookDeps): Handler<'webhook'> {
  const now = deps.now ?? (() => new Date());
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  /** Disabled once every attempt has failed for `disableAfterMs`: its later deliveries are failed unsent. */
  async function disableIfFailingTooLong(endpointId: string, at: Date): Promise<void> {
    if (deps.disableAfterMs === undefined) return;
    const hours = Math.round(deps.disableAfterMs / 3_600_000);
    const since = new Date(at.getTime() - deps.disableAfterMs);
    const disabled = await deps.store.disableIfFailingSince(endpointId, since, `every attempt failed for ${hours} hours`);
    if (disabled) {
      deps.logger.warn(
        { endpoint_id: endpointId, failing_hours: hours, announced_to: disabled.announcedTo },
        'webhook endpoint disabled: failing for too long; webhook_endpoint.disabled raised to the endpoints subscribed to it',
      );
      deps.calls.forget(endpointId);
    }
  }

  return async function deliverWebhook(message, delivery) {
    const found = await deps.store.forAttempt(message.delivery_id);
    if (!found || found.delivery.status === 'delivered') return done();
    const { delivery: row, endpoint } = found;
    if (!endpoint.enabled) {
      await deps.store.markFailed(row.id, 'endpoint_disabled');
      return done();
    }
    const body = JSON.stringify(row.payload);
    const at = now();
    const started = performance.now();
    const answer = await deps.calls.request(endpoint.id, {
      url: endpoint.url,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signatureHeaders(endpoint, row.id, at, body) },
      body,
      timeoutMs,
    });
    if ('retryInMs' in answer) {
      await deps.store.notePostponed(row.id, answer.failure);
      await deps.postpone({ ...message, attempt: 1 }, answer.retryInMs);
      return done();
    }
    const latencyMs = Math.round(performance.now() - started);
    const delivered = answer.ok && answer.status >= 200 && answer.status < 300;
    const error = delivered ? null : answer.ok ? `http_${answer.status}` : answer.failure;
    // a URL the outbound policy refuses (a private address, plain http) stays refused: no retry helps
    const refused = !answer.ok && (REFUSED_BY_POLICY as ReadonlySet<string>).has(answer.failure);
    const final = !delivered && (refused || delivery.attempt >= deps.maxAttempts);
    await deps.store.recordAttempt(row, {
      delivered,
      final,
      responseCode: answer.ok ? answer.status : null,
      latencyMs,
      error,
      at,
    });
    if (delivered) return done();
    const reason = `webhook ${endpoint.id}: ${error}`;
    if (refused) return deadLetter(reason);
    await disableIfFailingTooLong(endpoint.id, at);
    if (!answer.ok)
      deps.logger.warn({ err: answer.cause, endpoint_id: endpoint.id, failure: answer.failure }, 'webhook attempt failed');
    const after = retryAfterMs(answer, at);
    return after === undefined ? retry(reason) : retry(reason, after);
  };
}

/** `Retry-After` of an answer (seconds, or an HTTP date), in ms from `at`; undefined when absent or unreadable. */
export function retryAfterMs(answer: WebhookAnswer, at: Date): number | undefined {
  if (!answer.ok) return undefined;
  const raw = answer.headers['retry-after'];
  const ms = parseRetryAfter(Array.isArray(raw) ? raw[0] : raw, at.getTime());
  return ms === undefined ? undefined : Math.min(MAX_RETRY_AFTER_MS, ms);
}

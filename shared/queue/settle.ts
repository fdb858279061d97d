import { type Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AppError } from '../errors.js';
import { withLogContext } from '../logging/context.js';
import type { Logger } from '../logging/logger.js';
import { MESSAGES, type MessageOf, nextDelayMs, type RetryPolicy, type RoutingKey } from '../messages.js';
import { deliveryTraceContext } from '../tracing/message-trace.js';
import { withSpan } from '../tracing/with-span.js';
import type { Delivery, Handler, Outcome } from './queue.js';

/**
 * The one place that turns a handler's result into what the broker should
 * do. Every adapter calls {@link settle} and only carries out the answer, so
 * "thrown error -> retry or dead letter", "retry after the last attempt ->
 * dead letter" and "invalid message -> dead letter" mean the same on
 * RabbitMQ, SQS, Lambda and memory.
 */
export type Settlement =
  | { action: 'ack' }
  | { action: 'retry'; delayMs: number; nextAttempt: number; reason: string }
  | { action: 'dead_letter'; reason: string };

export interface SettleDeps {
  logger: Logger;
  policy: RetryPolicy;
  /** Draw in [0, 1) for jitter; injectable so tests are deterministic. */
  random?: () => number;
}

/** The one wording of "retried until the policy's last attempt, then given up", wherever it is reported. */
export function gaveUp(attempts: number, reason: string): string {
  return `gave up after ${attempts} attempts: ${reason}`;
}

/** The one wording of "taken `limit` times and never settled" (a poison message), in every adapter. */
export function poisonReason(limit: number): string {
  return `delivered ${limit} times without a settlement: its consumer stopped or crashed on it each time`;
}

/** A thrown error as an outcome: retry when it says a retry can help, else dead letter. */
export function outcomeOfError(error: unknown): Outcome {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return error instanceof AppError && error.retryable ? { type: 'retry', reason } : { type: 'dead_letter', reason };
}

/** What to do with a message whose `attempt`-th delivery ended in `outcome`. Pure. */
export function decide(outcome: Outcome, attempt: number, policy: RetryPolicy, random: number): Settlement {
  switch (outcome.type) {
    case 'done':
      return { action: 'ack' };
    case 'dead_letter':
      return { action: 'dead_letter', reason: outcome.reason };
    case 'retry': {
      if (attempt >= policy.maxAttempts) {
        return { action: 'dead_letter', reason: gaveUp(attempt, outcome.reason) };
      }
      const delayMs = outcome.delayMs ?? nextDelayMs(policy, attempt, random);
      return {
        action: 'retry',
        delayMs: Math.min(Math.max(0, delayMs), policy.maxDelayMs),
        nextAttempt: attempt + 1,
        reason: outcome.reason,
      };
    }
  }
}

export type Parsed<K extends RoutingKey> = { ok: true; message: MessageOf<K> } | { ok: false; reason: string };

/** Decode (when text) and validate a message body against the catalog. */
export function parseMessage<K extends RoutingKey>(key: K, body: unknown): Parsed<K> {
  let value = body;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    try {
      value = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
    } catch {
      return { ok: false, reason: 'invalid message: body is not JSON' };
    }
  }
  const result = MESSAGES[key].schema.safeParse(value);
  if (result.success) return { ok: true, message: result.data as MessageOf<K> };
  const fields = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  return { ok: false, reason: `invalid message: ${fields}` };
}

function logFacts(body: unknown): { correlation_id?: string; notification_id?: string } {
  if (typeof body !== 'object' || body === null) return {};
  const { correlation_id, notification_id } = body as Record<string, unknown>;
  return {
    ...(typeof correlation_id === 'string' ? { correlation_id } : {}),
    ...(typeof notification_id === 'string' ? { notification_id } : {}),
  };
}

const CONSUMER_SPAN = { kind: SpanKind.CONSUMER };
const CONSUMER_SPAN_NAME: Record<RoutingKey, string> = {
  email: 'process email',
  push: 'process push',
  in_app: 'process in_app',
  status: 'process status',
  webhook: 'process webhook',
};

function describeSpan<K extends RoutingKey>(
  span: Span,
  key: K,
  message: MessageOf<K>,
  delivery: Delivery,
  settlement: Settlement,
): void {
  span.setAttributes({
    'messaging.operation.type': 'process',
    'messaging.destination.name': key,
    'messaging.message.id': delivery.id,
    'messaging.delivery.attempt': delivery.attempt,
    'notification.id': message.notification_id,
    'messaging.settlement': settlement.action,
  });
  if (message.correlation_id) span.setAttribute('correlation_id', message.correlation_id);
  if (settlement.action !== 'ack') span.setAttribute('messaging.settlement.reason', settlement.reason);
  if (settlement.action === 'dead_letter') span.setStatus({ code: SpanStatusCode.ERROR, message: settlement.reason });
}

/**
 * Validate one delivery, run the handler on it inside the message's log
 * context and a consumer span (child of the producer's trace context, from
 * the `traceparent` header or the message), and decide its fate. Never
 * throws. Failures are logged here, once.
 */
export async function settle<K extends RoutingKey>(
  key: K,
  body: unknown,
  delivery: Delivery,
  handler: Handler<K>,
  deps: SettleDeps,
): Promise<Settlement> {
  const parsed = parseMessage(key, body);
  if (!parsed.ok) {
    deps.logger.error(
      { routing_key: key, message_id: delivery.id, reason: parsed.reason },
      'queue message dead-lettered: invalid',
    );
    return { action: 'dead_letter', reason: parsed.reason };
  }
  const message = parsed.message;
  // for deliveries the broker's count is the truth; a status message's `attempt` is the
  // delivery attempt it reports on, not how often the status message itself was delivered
  if (key !== 'status') message.attempt = delivery.attempt;
  return withLogContext(logFacts(message), () =>
    withSpan(CONSUMER_SPAN_NAME[key], CONSUMER_SPAN, deliveryTraceContext(delivery.headers, message), async (span) => {
      let outcome: Outcome;
      try {
        outcome = await handler(message, delivery);
      } catch (error) {
        outcome = outcomeOfError(error);
      }
      const settlement = decide(outcome, delivery.attempt, deps.policy, (deps.random ?? Math.random)());
      if (settlement.action === 'retry') {
        deps.logger.warn(
          {
            routing_key: key,
            message_id: delivery.id,
            attempt: delivery.attempt,
            delay_ms: settlement.delayMs,
            reason: settlement.reason,
          },
          'queue message will be retried',
        );
      } else if (settlement.action === 'dead_letter') {
        deps.logger.error(
          { routing_key: key, message_id: delivery.id, attempt: delivery.attempt, reason: settlement.reason },
          'queue message dead-lettered',
        );
      }
      if (span.isRecording()) describeSpan(span, key, message, delivery, settlement);
      return settlement;
    }),
  );
}

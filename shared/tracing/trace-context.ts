import {
  type Context,
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  type SpanContext,
  trace,
} from '@opentelemetry/api';

/** W3C Trace Context header names (lower case, as HTTP/2, AMQP headers and SQS attributes carry them). */
export const TRACEPARENT = 'traceparent';
export const TRACESTATE = 'tracestate';

/** `traceparent` of a span context: `00-<trace id>-<span id>-<flags>`. */
export function formatTraceparent(spanContext: SpanContext): string {
  return `00-${spanContext.traceId}-${spanContext.spanId}-${spanContext.traceFlags & 1 ? '01' : '00'}`;
}

/** The active span's context, when there is a valid one (a real span, or a caller's context being passed on). */
export function activeSpanContext(): SpanContext | undefined {
  const spanContext = trace.getSpanContext(context.active());
  return spanContext && isSpanContextValid(spanContext) ? spanContext : undefined;
}

/**
 * `traceparent` of the active span, to store with work that continues later
 * elsewhere (the outbox row of an accepted notification). Undefined when no
 * trace is active: tracing is off and the request came without one.
 */
export function activeTraceparent(): string | undefined {
  const spanContext = activeSpanContext();
  return spanContext && formatTraceparent(spanContext);
}

/**
 * The remote parent described by `traceparent` (and `tracestate`), through
 * the registered propagator; undefined when absent or malformed.
 */
export function contextFromTraceparent(traceparent: string | undefined, tracestate?: string): Context | undefined {
  if (!traceparent) return undefined;
  const carrier: Record<string, string> = tracestate
    ? { [TRACEPARENT]: traceparent, [TRACESTATE]: tracestate }
    : { [TRACEPARENT]: traceparent };
  const extracted = propagation.extract(ROOT_CONTEXT, carrier);
  const spanContext = trace.getSpanContext(extracted);
  return spanContext && isSpanContextValid(spanContext) ? extracted : undefined;
}

/** Write the active (or given) context's `traceparent` / `tracestate` into `carrier` through the registered propagator. */
export function injectTraceContext(carrier: Record<string, string>, from: Context = context.active()): void {
  propagation.inject(from, carrier);
}

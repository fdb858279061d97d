import { type Context, context, isSpanContextValid, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { contextFromTraceparent, formatTraceparent, TRACEPARENT, TRACESTATE } from './trace-context.js';

/**
 * Trace headers to publish `message` with: the trace it belongs to. A
 * message that carries its own `traceparent` (a delivery written to the
 * outbox by the request that accepted it) keeps it, whatever is active where
 * the relay publishes it; any other message joins the active trace (a status
 * report published while a worker handles a delivery). Undefined when
 * neither has one.
 */
export function messageTraceHeaders(message: object): Record<string, string> | undefined {
  const own = (message as { traceparent?: unknown }).traceparent;
  if (typeof own === 'string' && own.length > 0) return { [TRACEPARENT]: own };
  const active = context.active();
  const spanContext = trace.getSpanContext(active);
  if (!spanContext || !isSpanContextValid(spanContext)) return undefined;
  const state = spanContext.traceState?.serialize();
  return state
    ? { [TRACEPARENT]: formatTraceparent(spanContext), [TRACESTATE]: state }
    : { [TRACEPARENT]: formatTraceparent(spanContext) };
}

/**
 * The producer's context of one delivery: the `traceparent` header (and
 * `tracestate`), else the message's own `traceparent` field (a message
 * published before headers carried it, or through a path that drops them);
 * the root context when neither is there, so a consumer never inherits
 * whatever happened to be active where the broker client called it.
 */
export function deliveryTraceContext(headers: Record<string, string>, message: object): Context {
  const fromHeader = contextFromTraceparent(headers[TRACEPARENT], headers[TRACESTATE]);
  if (fromHeader) return fromHeader;
  const own = (message as { traceparent?: unknown }).traceparent;
  return (typeof own === 'string' && contextFromTraceparent(own)) || ROOT_CONTEXT;
}

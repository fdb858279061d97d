import {
  type Context,
  context,
  isSpanContextValid,
  type Span,
  type SpanOptions,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { platformTracer } from './tracer.js';

/**
 * Run `fn` inside a new span, child of `parent`, and end it when `fn`
 * settles (a throw is recorded on the span and rethrown).
 *
 * Cheap when tracing is off: the no-op tracer's span only carries the
 * parent's context; when there is none to carry, `fn` runs in `parent`
 * itself (never in whatever context the caller had active) with no span to
 * end. Callers set attributes only when `span.isRecording()`.
 */
export async function withSpan<T>(
  name: string,
  options: SpanOptions,
  parent: Context,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const span = platformTracer().startSpan(name, options, parent);
  if (!span.isRecording() && !isSpanContextValid(span.spanContext())) {
    return parent === context.active() ? fn(span) : context.with(parent, fn, undefined, span);
  }
  try {
    return await context.with(trace.setSpan(parent, span), fn, undefined, span);
  } catch (error) {
    if (span.isRecording()) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    }
    throw error;
  } finally {
    span.end();
  }
}

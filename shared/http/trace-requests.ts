import { context, isSpanContextValid, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Context, MiddlewareHandler } from 'hono';
import { currentLogContext } from '../logging/context.js';
import { routeLabel, UNMATCHED_ROUTE } from '../metrics/http-metrics.js';
import { contextFromTraceparent, formatTraceparent, TRACEPARENT, TRACESTATE } from '../tracing/trace-context.js';
import { platformTracer } from '../tracing/tracer.js';

const SERVER_SPAN = { kind: SpanKind.SERVER };

function describeSpan(span: Span, c: Context): void {
  const route = routeLabel(c);
  const status = c.res.status;
  span.updateName(route === UNMATCHED_ROUTE ? c.req.method : `${c.req.method} ${route}`);
  span.setAttributes({
    'http.request.method': c.req.method,
    'url.path': c.req.path,
    'http.response.status_code': status,
    ...(route !== UNMATCHED_ROUTE && { 'http.route': route }),
  });
  const { correlation_id, notification_id } = currentLogContext();
  if (correlation_id) span.setAttribute('correlation_id', correlation_id);
  if (notification_id) span.setAttribute('notification.id', notification_id);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
}

/**
 * W3C Trace Context for every request: continues the caller's trace from
 * `traceparent` / `tracestate` (or starts one when tracing is on), runs the
 * rest of the request inside a server span named by route pattern
 * (`POST /api/v1/notifications`), and answers with the span's `traceparent`.
 * Mount it inside `correlationId()`, so the span carries the request's
 * correlation and notification ids.
 *
 * With tracing off and no `traceparent` in the request it does nothing: no
 * span, no context switch.
 */
export function traceRequests(): MiddlewareHandler {
  return async function traceRequestsMiddleware(c, next) {
    const incoming = c.req.header(TRACEPARENT);
    const parent = (incoming && contextFromTraceparent(incoming, c.req.header(TRACESTATE))) || ROOT_CONTEXT;
    const span = platformTracer().startSpan(c.req.method, SERVER_SPAN, parent);
    if (!span.isRecording() && !isSpanContextValid(span.spanContext())) return next();
    // set before the handler runs, so it joins the headers of whatever response the handler builds
    c.header(TRACEPARENT, formatTraceparent(span.spanContext()));
    try {
      await context.with(trace.setSpan(parent, span), next);
    } finally {
      if (span.isRecording()) describeSpan(span, c);
      span.end();
    }
  };
}

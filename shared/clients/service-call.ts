import { context, type Span, SpanKind } from '@opentelemetry/api';
import { ServiceUnavailableError, UnprocessableError } from '../errors.js';
import { currentLogContext } from '../logging/context.js';
import { injectTraceContext } from '../tracing/trace-context.js';
import { withSpan } from '../tracing/with-span.js';
import type { Fetcher } from './fetcher.js';

const CLIENT_SPAN = { kind: SpanKind.CLIENT };

/**
 * One internal call: the envelope's data, or null for a 404. A 422 is passed
 * on as an {@link UnprocessableError}; other failures are a 503. Runs in a
 * client span (`GET user`) whose `traceparent` goes with the request.
 */
export function callService<T>(
  fetcher: Fetcher,
  service: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T | null> {
  return withSpan(`${method} ${service}`, CLIENT_SPAN, context.active(), (span) =>
    send<T>(span, fetcher, service, method, path, body),
  );
}

async function send<T>(
  span: Span,
  fetcher: Fetcher,
  service: string,
  method: string,
  path: string,
  body: unknown,
): Promise<T | null> {
  const headers: Record<string, string> = {};
  injectTraceContext(headers);
  const correlationId = currentLogContext().correlation_id;
  if (correlationId) headers['x-correlation-id'] = correlationId;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetcher(
    new Request(`http://${service}${path}`, {
      method,
      headers,
      ...(body !== undefined && { body: JSON.stringify(body) }),
    }),
  );
  if (span.isRecording())
    span.setAttributes({
      'http.request.method': method,
      'server.address': service,
      'http.response.status_code': response.status,
    });
  if (response.status === 404) return null;
  if (response.status === 422) {
    const problem = (await response.json()) as { error: string; message: string; meta?: Record<string, unknown> };
    throw new UnprocessableError(problem.error, problem.message, { details: problem.meta });
  }
  if (!response.ok) {
    throw new ServiceUnavailableError(`The ${service} function answered ${response.status} to ${method} ${path}`);
  }
  return ((await response.json()) as { data: T }).data;
}

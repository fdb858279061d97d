import { type DestinationStream, type Logger, pino } from 'pino';
import { activeSpanContext } from '../tracing/trace-context.js';
import { currentLogContext } from './context.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: string;
  /** The function (gateway, user, ...) or tool writing the lines. */
  name: string;
  destination?: DestinationStream;
}

/** Paths that never reach a log line, wherever they appear. */
const REDACT_PATHS = [
  'password',
  '*.password',
  'password_hash',
  '*.password_hash',
  'key',
  '*.key',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
];

const QUERY_PARAMS = /\nparams: [^\n]*/g;

/**
 * Errors as pino logs them, minus query parameters: a failed query's error
 * (drizzle) carries its parameters, which may be a password hash or an email.
 */
function errorWithoutQueryParams(err: Error): Record<string, unknown> {
  const out = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
  delete out.params;
  for (const field of ['message', 'stack']) {
    if (typeof out[field] === 'string') out[field] = (out[field] as string).replace(QUERY_PARAMS, '\nparams: [redacted]');
  }
  return out;
}

/** The log context's ids, plus `trace_id` and `span_id` while a trace is active. */
function logFacts(): Record<string, string> {
  const facts: Record<string, string> = { ...currentLogContext() };
  const span = activeSpanContext();
  if (span) {
    facts.trace_id = span.traceId;
    facts.span_id = span.spanId;
  }
  return facts;
}

/**
 * A pino JSON logger. Every line carries the correlation id (and
 * notification id) of the request or message it was written for, taken from
 * the async context set by the correlation middleware or the consumer, and
 * the trace and span ids of the active trace, if any.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { fn: options.name },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: errorWithoutQueryParams },
      mixin: logFacts,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}

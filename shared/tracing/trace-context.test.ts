import { Writable } from 'node:stream';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { withLogContext } from '../logging/context.js';
import { createLogger } from '../logging/logger.js';
import { deliveryTraceContext, messageTraceHeaders } from './message-trace.js';
import { setupTracing, type Tracing } from './setup-tracing.js';
import { activeTraceparent, contextFromTraceparent, formatTraceparent } from './trace-context.js';
import { withSpan } from './with-span.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER = `00-${TRACE_ID}-00f067aa0ba902b7-01`;
const OTHER = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

// tracing as it runs by default: OTEL_TRACES_EXPORTER unset, so no SDK, only the propagator and context manager
let tracing: Tracing;
beforeAll(() => {
  tracing = setupTracing({ config: loadConfig({}).tracing, serviceName: 'test' });
});
afterAll(() => tracing.shutdown());

describe('trace context helpers (tracing off)', () => {
  it('records nothing when the exporter is off', () => {
    expect(tracing.exporting).toBe(false);
  });

  it('reads a traceparent and writes it back unchanged; refuses malformed ones', () => {
    const parent = contextFromTraceparent(CALLER, 'vendor=abc')!;

    expect(formatTraceparent(trace.getSpanContext(parent)!)).toBe(CALLER);
    expect(trace.getSpanContext(parent)!.traceState?.get('vendor')).toBe('abc');
    expect(contextFromTraceparent(undefined)).toBeUndefined();
    expect(contextFromTraceparent('00-not-a-trace-01')).toBeUndefined();
    expect(contextFromTraceparent(`00-${'0'.repeat(32)}-00f067aa0ba902b7-01`)).toBeUndefined();
  });

  it('passes the caller trace through a span unchanged: same trace and parent span, no new ids', async () => {
    const seen = await withSpan('work', {}, contextFromTraceparent(CALLER)!, async () => activeTraceparent());

    expect(seen).toBe(CALLER);
  });

  it('runs the work as is when there is no trace to carry', async () => {
    const seen = await withSpan('work', {}, ROOT_CONTEXT, async (span) => ({
      traceparent: activeTraceparent(),
      recording: span.isRecording(),
    }));

    expect(seen).toEqual({ traceparent: undefined, recording: false });
  });

  it('publishes a message with its own traceparent, else the active one, else none', () => {
    const inCaller = (fn: () => unknown) => context.with(contextFromTraceparent(CALLER, 'vendor=abc')!, fn);

    expect(inCaller(() => messageTraceHeaders({ traceparent: OTHER }))).toEqual({ traceparent: OTHER });
    expect(inCaller(() => messageTraceHeaders({ notification_id: 'n' }))).toEqual({
      traceparent: CALLER,
      tracestate: 'vendor=abc',
    });
    expect(messageTraceHeaders({ notification_id: 'n' })).toBeUndefined();
  });

  it('consumes in the header trace, else the message field, else a root context', () => {
    const traceOf = (ctx: ReturnType<typeof deliveryTraceContext>) =>
      trace.getSpanContext(ctx) && formatTraceparent(trace.getSpanContext(ctx)!);

    expect(traceOf(deliveryTraceContext({ traceparent: CALLER }, { traceparent: OTHER }))).toBe(CALLER);
    expect(traceOf(deliveryTraceContext({ traceparent: 'garbage' }, { traceparent: OTHER }))).toBe(OTHER);
    expect(deliveryTraceContext({}, {})).toBe(ROOT_CONTEXT);
  });

  it('puts trace_id and span_id on log lines while a trace is active, beside the log context', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      name: 'test',
      destination: new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }),
    });

    logger.info('outside');
    await withLogContext({ correlation_id: 'c-1', notification_id: 'n-1' }, () =>
      withSpan('work', {}, contextFromTraceparent(CALLER)!, async () => logger.info('inside')),
    );

    const [outside, inside] = lines.map((l) => JSON.parse(l));
    expect(outside).not.toHaveProperty('trace_id');
    expect(inside).toMatchObject({
      correlation_id: 'c-1',
      notification_id: 'n-1',
      trace_id: TRACE_ID,
      span_id: '00f067aa0ba902b7',
    });
  });

  it("runs a span's work in its parent, not in whatever trace the caller had active", async () => {
    const seen = await context.with(contextFromTraceparent(OTHER)!, () =>
      withSpan('process email', {}, ROOT_CONTEXT, async () => activeTraceparent()),
    );
    expect(seen).toBeUndefined();
  });
});

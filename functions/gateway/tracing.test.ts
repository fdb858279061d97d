import { randomUUID } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../shared/config.js';
import type { RunningFunction } from '../../shared/runtime/function-module.js';
import { testDatabases } from '../../shared/test-support/test-databases.js';
import { setupTracing, type Tracing } from '../../shared/tracing/setup-tracing.js';
import { emailFunction } from '../email/function.js';
import { type SmtpTestServer, startSmtpTestServer } from '../email/test-support/smtp-test-server.js';
import { openPlatform, type PlatformKit } from './test-support/platform-kit.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const CALLER = `00-${TRACE_ID}-${CALLER_SPAN}-01`;

describe('one notification is one trace: HTTP -> outbox -> queue -> email worker -> SMTP -> status', () => {
  // the real SDK, exporting to memory; PGlite and the memory queue keep the suite light
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let smtp: SmtpTestServer;
  let kit: PlatformKit;
  let email: RunningFunction;
  let notificationId: string;
  let response: Awaited<ReturnType<PlatformKit['request']>>;

  beforeAll(async () => {
    tracing = setupTracing({ config: loadConfig({}).tracing, serviceName: 'test', exporter });
    smtp = await startSmtpTestServer();
    kit = await openPlatform(testDatabases()[0]!, { env: { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port) } });
    email = await emailFunction.create(kit.infra, kit.peers);
    await email.start?.();

    const user = await kit.createUser();
    exporter.reset();
    response = await kit.request('POST', '/api/v1/notifications', {
      auth: kit.sendKey,
      headers: { traceparent: CALLER, 'x-correlation-id': 'corr-trace-1' },
      body: {
        notification_type: 'email',
        user_id: user.id,
        template_code: 'kit_welcome',
        variables: { name: 'Ada' },
        request_id: randomUUID(),
      },
    });
    notificationId = response.body.data.notification_id;
    await vi.waitFor(
      async () =>
        expect((await kit.request('GET', `/api/v1/notifications/${notificationId}`)).body.data.status).toBe('delivered'),
      { timeout: 10_000, interval: 50 },
    );
  });
  afterAll(async () => {
    await email?.stop?.();
    await kit?.close();
    await smtp?.close();
    await tracing?.shutdown();
  });

  const spans = () => exporter.getFinishedSpans();
  const named = (name: string) => spans().filter((s) => s.name === name);
  const one = (name: string): ReadableSpan => {
    const found = named(name);
    expect(
      found,
      `spans named ${name} among ${spans()
        .map((s) => s.name)
        .join(', ')}`,
    ).toHaveLength(1);
    return found[0]!;
  };
  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

  it('continues the caller trace in the gateway, the email worker, the SMTP send and the status reports', () => {
    expect(response.status).toBe(202);
    const gateway = one('POST /api/v1/notifications');
    const consumer = one('process email');
    const send = one('smtp send');
    const statuses = named('process status');
    const render = named('POST template');

    expect(gateway.kind).toBe(SpanKind.SERVER);
    expect(gateway.spanContext().traceId).toBe(TRACE_ID);
    expect(parentOf(gateway)).toBe(CALLER_SPAN);
    expect(gateway.attributes).toMatchObject({
      'http.route': '/api/v1/notifications',
      'notification.id': notificationId,
      correlation_id: 'corr-trace-1',
    });
    expect(response.headers.get('traceparent')).toBe(`00-${TRACE_ID}-${gateway.spanContext().spanId}-01`);

    // through the outbox row and the queue header: the worker's span is a child of the request's
    expect(consumer.kind).toBe(SpanKind.CONSUMER);
    expect(consumer.spanContext().traceId).toBe(TRACE_ID);
    expect(parentOf(consumer)).toBe(gateway.spanContext().spanId);
    expect(consumer.attributes).toMatchObject({ 'notification.id': notificationId, 'messaging.settlement': 'ack' });

    expect(send.kind).toBe(SpanKind.CLIENT);
    expect(send.spanContext().traceId).toBe(TRACE_ID);
    expect(parentOf(send)).toBe(consumer.spanContext().spanId);
    expect(send.attributes['notification.id']).toBe(notificationId);

    // the template render the worker asked for, and the template function's own server span under it
    expect(render.length).toBeGreaterThan(0);
    for (const span of render) expect(parentOf(span)).toBe(consumer.spanContext().spanId);
    const renderServer = spans().filter((s) => s.kind === SpanKind.SERVER && parentOf(s) === render[0]!.spanContext().spanId);
    expect(renderServer).toHaveLength(1);

    // `sending` and `delivered` went back to the gateway in the same trace
    expect(statuses.length).toBeGreaterThanOrEqual(2);
    for (const span of statuses) {
      expect(span.spanContext().traceId).toBe(TRACE_ID);
      expect(parentOf(span)).toBe(consumer.spanContext().spanId);
    }

    const ours = spans().filter((s) => s.attributes['notification.id'] === notificationId);
    expect(ours.length).toBeGreaterThanOrEqual(5);
    expect(new Set(ours.map((s) => s.spanContext().traceId))).toEqual(new Set([TRACE_ID]));
  });

  it('puts correlation_id, notification_id and the trace on the log lines of the request and of the worker', () => {
    const lines = kit.infra.logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const request = lines.find((l) => l.msg === 'request' && l.method === 'POST' && l.path === '/api/v1/notifications');
    const delivered = lines.find((l) => l.msg === 'email delivered' && l.notification_id === notificationId);

    expect(request).toMatchObject({ correlation_id: 'corr-trace-1', notification_id: notificationId, trace_id: TRACE_ID });
    expect(delivered).toMatchObject({ correlation_id: 'corr-trace-1', notification_id: notificationId, trace_id: TRACE_ID });
    const inTrace = lines.filter((l) => l.trace_id === TRACE_ID);
    expect(inTrace.length).toBeGreaterThan(2);
    for (const line of inTrace) expect(line).toHaveProperty('correlation_id', 'corr-trace-1');
  });
});

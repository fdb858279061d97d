import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, SpanKind } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { setupTracing, type Tracing } from './setup-tracing.js';
import { activeTraceparent, contextFromTraceparent } from './trace-context.js';
import { withSpan } from './with-span.js';

interface Received {
  path: string;
  contentType: string | undefined;
  authorization: string | undefined;
  body: any;
}

/** A stand-in OTLP/HTTP collector: takes POST /v1/traces (JSON) and keeps what it got. */
async function startCollector(): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const read = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  const server = createServer(async (req, res) => {
    const text = await read(req);
    if (req.method !== 'POST' || req.url !== '/v1/traces') {
      res.writeHead(404).end();
      return;
    }
    received.push({
      path: req.url,
      contentType: req.headers['content-type'],
      authorization: req.headers.authorization,
      body: JSON.parse(text),
    });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, server };
}

describe('tracing with OTEL_TRACES_EXPORTER=otlp', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let tracing: Tracing;
  beforeAll(async () => {
    collector = await startCollector();
    const config = loadConfig({
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: `${collector.url}/`,
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20collector-key',
      OTEL_SERVICE_NAME: 'notify-test',
    });
    tracing = setupTracing({ config: config.tracing, serviceName: 'unused' });
  });
  afterAll(async () => {
    await tracing.shutdown();
    await new Promise((resolve) => collector.server.close(resolve));
  });

  it('posts finished spans to the collector over OTLP/HTTP, in the caller trace, with the service name', async () => {
    const caller = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

    const inside = await withSpan('process email', { kind: SpanKind.CONSUMER }, contextFromTraceparent(caller)!, async () =>
      withSpan('smtp send', { kind: SpanKind.CLIENT }, context.active(), async () => activeTraceparent()),
    );
    await tracing.flush();

    expect(tracing.exporting).toBe(true);
    expect(collector.received.length).toBeGreaterThan(0);
    expect(collector.received[0]).toMatchObject({
      path: '/v1/traces',
      contentType: 'application/json',
      authorization: 'Bearer collector-key',
    });
    const resourceSpans = collector.received.flatMap((r) => r.body.resourceSpans);
    expect(resourceSpans[0].resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'notify-test' } });
    const spans = resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((s: any) => s.spans));
    const byName = Object.fromEntries(spans.map((s: any) => [s.name, s]));
    expect(Object.keys(byName).sort()).toEqual(['process email', 'smtp send']);
    expect(byName['process email'].traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(byName['process email'].parentSpanId).toBe('00f067aa0ba902b7');
    expect(byName['smtp send'].traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(byName['smtp send'].parentSpanId).toBe(byName['process email'].spanId);
    expect(inside).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${byName['smtp send'].spanId}-01`);
  });
});

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../config.js';
import { createLogger } from '../logging/logger.js';
import { createMemoryQueue } from '../queue/memory-queue.js';
import { type Delivery, done } from '../queue/queue.js';
import { emailMessage } from '../queue/testing/fixtures.js';
import { setupTracing, type Tracing } from '../tracing/setup-tracing.js';
import { activeTraceparent } from '../tracing/trace-context.js';
import { createBaseApp } from './create-app.js';

const CALLER = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

// tracing as it runs by default (OTEL_TRACES_EXPORTER unset): nothing recorded, the caller's trace still carried
describe('trace context with tracing off: HTTP request -> queue header -> worker', () => {
  let tracing: Tracing;
  beforeAll(() => {
    tracing = setupTracing({ config: loadConfig({}).tracing, serviceName: 'test' });
  });
  afterAll(() => tracing.shutdown());

  async function roundTrip(headers: Record<string, string>) {
    const logger = createLogger({ level: 'silent', name: 'test' });
    const queue = createMemoryQueue({ logger });
    const seen: Array<{ delivery: Delivery; traceparent: string | undefined }> = [];
    await queue.consume(
      'email',
      async (_message, delivery) => (seen.push({ delivery, traceparent: activeTraceparent() }), done()),
    );
    const app = createBaseApp({ name: 'test', logger, bodyLimitBytes: 1024, readiness: {} });
    // a route that hands work to a worker without copying the trace into the message: only the context carries it
    app.post('/work', async (c) => {
      await queue.publish('email', emailMessage());
      return c.json({ queued: true }, 202);
    });

    const res = await app.request('/work', { method: 'POST', headers });
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    await queue.close();
    return { res, seen: seen[0]! };
  }

  it('hands the incoming traceparent on unchanged: response, queue header, worker context', async () => {
    expect(tracing.exporting).toBe(false);

    const { res, seen } = await roundTrip({ traceparent: CALLER });

    expect(res.status).toBe(202);
    expect(res.headers.get('traceparent')).toBe(CALLER);
    expect(seen.delivery.headers.traceparent).toBe(CALLER);
    expect(seen.traceparent).toBe(CALLER);
  });

  it('makes up no trace when none came in', async () => {
    const { res, seen } = await roundTrip({});

    expect(res.headers.get('traceparent')).toBeNull();
    expect(seen.delivery.headers).not.toHaveProperty('traceparent');
    expect(seen.traceparent).toBeUndefined();
  });
});

import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { ok } from '../envelope.js';
import type { AppEnv } from '../http/app-env.js';
import { createBaseApp } from '../http/create-app.js';
import { createLogger } from '../logging/logger.js';
import { httpMetrics, UNMATCHED_ROUTE } from './http-metrics.js';
import { createMetricsRegistry } from './registry.js';
import { sampleOf } from './testing.js';

const logger = createLogger({ level: 'silent', name: 'test' });

function makeApp() {
  const registry = createMetricsRegistry({ function: 'gateway', processMetrics: false });
  const app = createBaseApp({ name: 'gateway', logger, bodyLimitBytes: 1024, readiness: {}, metrics: registry });
  app.get('/api/v1/things/:id', (c) => ok(c, { id: c.req.param('id') }));
  app.get('/boom', () => {
    throw new Error('boom');
  });
  return { app, registry };
}

describe('HTTP metrics', () => {
  it('serves /metrics in the Prometheus text format', async () => {
    const { app } = makeApp();
    const res = await app.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await res.text()).toContain('# HELP http_requests_total');
  });

  it('labels requests with the route pattern, never the raw path, and counts errors and latency', async () => {
    const { app, registry } = makeApp();
    await app.request('/api/v1/things/1');
    await app.request('/api/v1/things/2/');
    await app.request('/boom');
    await app.request('/no/such/route/123');
    const text = await registry.metrics();
    expect(text).toContain(
      'http_requests_total{method="GET",route="/api/v1/things/:id",status_class="2xx",function="gateway"} 2',
    );
    expect(text).toContain('http_request_errors_total{method="GET",route="/boom",status_class="5xx",function="gateway"} 1');
    expect(text).toContain(
      `http_requests_total{method="GET",route="${UNMATCHED_ROUTE}",status_class="4xx",function="gateway"} 1`,
    );
    const labels = { method: 'GET', route: '/api/v1/things/:id', status_class: '2xx' };
    expect(await sampleOf(registry, 'http_request_duration_seconds', labels, 'http_request_duration_seconds_count')).toBe(2);
    expect(text).not.toMatch(/things\/1|route="\/metrics"/);
  });

  it('counts a request once when a measured app is mounted inside another measured app', async () => {
    const { app: inner, registry } = makeApp();
    const outer = new Hono<AppEnv>({ strict: false });
    outer.use('*', httpMetrics(registry));
    outer.post('/api/v1/email/events', (c) => ok(c, {}));
    outer.route('/', inner);
    await outer.request('/api/v1/email/events', { method: 'POST' });
    await outer.request('/api/v1/things/9');
    const text = await registry.metrics();
    expect(text).toContain(
      'http_requests_total{method="POST",route="/api/v1/email/events",status_class="2xx",function="gateway"} 1',
    );
    expect(text).toContain(
      'http_requests_total{method="GET",route="/api/v1/things/:id",status_class="2xx",function="gateway"} 1',
    );
  });

  it('keeps functions apart: one registry each, the function label on every series', async () => {
    const a = makeApp();
    const b = createMetricsRegistry({ function: 'user', processMetrics: false });
    await a.app.request('/api/v1/things/1');
    expect(await b.metrics()).not.toContain('things');
  });
});

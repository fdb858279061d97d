import { Hono } from 'hono';
import { Histogram } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HTTP_LATENCY_BUCKETS, httpMetrics } from '../../../shared/metrics/http-metrics.js';
import { createMetricsRegistry } from '../../../shared/metrics/registry.js';
import { createLatencyWindow } from './latency-window.js';

const registryOf = () => createMetricsRegistry({ function: 'gateway', processMetrics: false });

describe('latency window over the HTTP histogram', () => {
  it('gives the quantiles of each interval between readings, interpolated inside the buckets', async () => {
    const registry = registryOf();
    const histogram = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'h',
      labelNames: ['route'],
      buckets: HTTP_LATENCY_BUCKETS,
      registers: [registry],
    });
    const window = createLatencyWindow({ registry });
    // before the first reading: counted in no interval
    for (let i = 0; i < 50; i++) histogram.observe({ route: '/api/a' }, 9);
    await window.sample();

    for (let i = 0; i < 90; i++) histogram.observe({ route: '/api/a' }, 0.003);
    for (let i = 0; i < 10; i++) histogram.observe({ route: '/api/b' }, 0.2);
    await window.sample();
    await window.sample();

    const [busy, quiet] = window.series();
    expect(busy).toMatchObject({ requests: 100, p50Ms: 3.9, p95Ms: 175, p99Ms: 235 });
    expect(quiet).toMatchObject({ requests: 0, p50Ms: null, p95Ms: null, p99Ms: null });
  });

  it('reads the labels httpMetrics writes, and leaves out the routes it is told to', async () => {
    const registry = registryOf();
    const app = new Hono();
    app.use('*', httpMetrics(registry));
    app.get('/api/v1/things', (c) => c.json({ ok: true }));
    app.get('/api/v1/admin/overview', (c) => c.json({ ok: true }));
    const window = createLatencyWindow({
      registry,
      includeRoute: (route) => route.startsWith('/api/') && !route.startsWith('/api/v1/admin'),
    });
    await window.sample();

    for (let i = 0; i < 7; i++) await app.request('/api/v1/things');
    for (let i = 0; i < 5; i++) await app.request('/api/v1/admin/overview');
    await window.sample();

    const [point] = window.series();
    expect(point!.requests).toBe(7);
    expect(point!.p50Ms).toBeGreaterThan(0);
    expect(point!.p99Ms).toBeLessThanOrEqual(10_000);
  });

  it('keeps only the last `keep` intervals, and answers an empty series before two readings', async () => {
    const registry = registryOf();
    new Histogram({
      name: 'http_request_duration_seconds',
      help: 'h',
      labelNames: ['route'],
      buckets: HTTP_LATENCY_BUCKETS,
      registers: [registry],
    });
    const window = createLatencyWindow({ registry, keep: 3 });
    await window.sample();
    expect(window.series()).toEqual([]);

    for (let i = 0; i < 6; i++) await window.sample();

    expect(window.series()).toHaveLength(3);
  });

  it('a request slower than the last bucket reports that bound, the most a histogram can say', async () => {
    const registry = registryOf();
    const histogram = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'h',
      labelNames: ['route'],
      buckets: HTTP_LATENCY_BUCKETS,
      registers: [registry],
    });
    const window = createLatencyWindow({ registry });
    await window.sample();
    histogram.observe({ route: '/api/slow' }, 30);
    await window.sample();

    expect(window.series()[0]).toMatchObject({ requests: 1, p50Ms: 10_000, p99Ms: 10_000 });
  });
});

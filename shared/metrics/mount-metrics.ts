import type { Hono } from 'hono';
import type { AppEnv } from '../http/app-env.js';
import { httpMetrics } from './http-metrics.js';
import type { MetricsRegistry } from './registry.js';

/**
 * Measure every request of `app` (call before any other middleware) and
 * serve `GET /metrics` in the Prometheus text format. Unauthenticated, like
 * `/health`: keep it on the internal network (see docs/operations.md).
 */
export function mountMetrics(app: Hono<AppEnv>, registry: MetricsRegistry): void {
  app.use('*', httpMetrics(registry));
  app.get('/metrics', async (c) => {
    const body = await registry.metrics();
    return c.body(body, 200, { 'content-type': registry.contentType });
  });
}

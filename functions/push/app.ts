import type { Hono } from 'hono';
import { ok } from '../../shared/envelope.js';
import type { AppEnv } from '../../shared/http/app-env.js';
import { createBaseApp } from '../../shared/http/create-app.js';
import type { ReadinessCheck } from '../../shared/http/health.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { MetricsDeps } from '../../shared/metrics/function-metrics.js';
import { buildPushOpenApi } from './openapi.js';

export interface PushAppDeps {
  logger: Logger;
  bodyLimitBytes: number;
  /** The VAPID public key browsers pass to `PushManager.subscribe()` as `applicationServerKey`. */
  vapidPublicKey: string;
  readiness: Record<string, ReadinessCheck>;
}

/**
 * The push function's HTTP side: health, and the VAPID public key a web
 * page needs to subscribe. It is public (and readable cross-origin) by
 * nature: every subscribing page embeds it.
 */
export function createPushApp(deps: PushAppDeps & MetricsDeps): Hono<AppEnv> {
  const app = createBaseApp({
    name: 'push',
    logger: deps.logger,
    bodyLimitBytes: deps.bodyLimitBytes,
    readiness: deps.readiness,
    metrics: deps.metrics,
    openapi: buildPushOpenApi,
  });
  app.get('/api/v1/push/vapid-public-key', (c) => {
    c.header('access-control-allow-origin', '*');
    c.header('cache-control', 'public, max-age=300');
    return ok(c, { public_key: deps.vapidPublicKey }, 'VAPID public key');
  });
  return app;
}

import { Hono } from 'hono';
import { createErrorHandler } from '../envelope.js';
import type { Logger } from '../logging/logger.js';
import { mountMetrics } from '../metrics/mount-metrics.js';
import type { MetricsRegistry } from '../metrics/registry.js';
import { mountApiDocs, type OpenApiSource } from '../openapi/mount-api-docs.js';
import { createRouteNotFound } from './allowed-methods.js';
import type { AppEnv } from './app-env.js';
import { correlationId } from './correlation-id.js';
import { mountHealth, type ReadinessCheck } from './health.js';
import { limitBody, requireJsonBody } from './json-body.js';
import { requestLog } from './request-log.js';
import { traceRequests } from './trace-requests.js';

export interface BaseAppOptions {
  /** Function name, shown by the health routes. */
  name: string;
  logger: Logger;
  bodyLimitBytes: number;
  /** Higher body limits for some routes, by path suffix (e.g. `{ '/notifications/batch': 2_000_000 }`). */
  largerBodyLimits?: Record<string, number>;
  /** Paths whose request bodies need not be JSON (see `requireJsonBody`). */
  nonJsonBodyPaths?: RegExp[];
  /** Dependencies `/health/ready` probes. */
  readiness: Record<string, ReadinessCheck>;
  /** Measure every request into this registry and serve `GET /metrics` (Prometheus text). */
  metrics?: MetricsRegistry | undefined;
  /** Serve this document at `GET /openapi.json` and an API reference at `GET /docs`. */
  openapi?: OpenApiSource | undefined;
}

/**
 * The Hono app every function starts from: correlation ids, W3C trace
 * context (a server span per request when tracing is on), request logs,
 * body limit (413), JSON-only bodies (415, 400), health routes, 404 for
 * unknown routes, 405 with `Allow` for a known path called with another
 * method, and the one error handler. Paths match with or without a
 * trailing slash.
 */
export function createBaseApp(options: BaseAppOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  if (options.metrics) mountMetrics(app, options.metrics);
  app.use('*', correlationId());
  app.use('*', traceRequests());
  app.use('*', requestLog(options.logger));
  app.use('*', limitBody(options.bodyLimitBytes, options.largerBodyLimits));
  app.use('*', requireJsonBody({ exempt: options.nonJsonBodyPaths ?? [] }));
  mountHealth(app, options.name, options.readiness, options.logger);
  if (options.openapi) mountApiDocs(app, options.openapi);
  const handleError = createErrorHandler(options.logger);
  app.notFound(createRouteNotFound(app, handleError));
  app.onError(handleError);
  return app;
}

import { sql } from 'drizzle-orm';
import type { Hono } from 'hono';
import type { Authenticator } from '../../shared/auth/authenticator.js';
import type { Db } from '../../shared/db/create-db.js';
import type { AppEnv } from '../../shared/http/app-env.js';
import { createBaseApp } from '../../shared/http/create-app.js';
import type { ReadinessCheck } from '../../shared/http/health.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { MetricsDeps } from '../../shared/metrics/function-metrics.js';
import { createTemplateEngine, type TemplateEngineOptions } from './engine/template-engine.js';
import { createInternalRoutes } from './internal.routes.js';
import { buildTemplateOpenApi } from './openapi.js';
import { createTemplateService } from './templates/template-service.js';
import { createTemplateStore } from './templates/template-store.js';
import { createTemplatesRoutes } from './templates/templates.routes.js';
import { createVersionsRoutes } from './templates/versions.routes.js';

export interface TemplateAppDeps {
  db: Db;
  logger: Logger;
  /** Checks API keys and user tokens (the user function owns them). */
  authenticator: Authenticator;
  bodyLimitBytes: number;
  /** Verifies the service credential on `/internal/v1` (INTERNAL_SECRET). */
  internalSecret: string;
  /** Probes for `/health/ready`; defaults to a `select 1` on `db`. */
  readiness?: Record<string, ReadinessCheck>;
  /** Sandbox limits of the liquid engine. */
  engine?: TemplateEngineOptions;
}

/**
 * The template function's HTTP app: `/api/v1/templates*` (public, behind
 * credentials) and `/internal/v1/templates*` (for the gateway and workers).
 */
export function createTemplateApp(deps: TemplateAppDeps & MetricsDeps): Hono<AppEnv> {
  const service = createTemplateService({
    store: createTemplateStore(deps.db),
    engine: createTemplateEngine(deps.engine),
    logger: deps.logger,
  });
  const app = createBaseApp({
    name: 'template',
    logger: deps.logger,
    bodyLimitBytes: deps.bodyLimitBytes,
    readiness: deps.readiness ?? { database: () => deps.db.execute(sql`select 1`) },
    metrics: deps.metrics,
    openapi: buildTemplateOpenApi,
  });
  app.route('/api/v1/templates', createTemplatesRoutes({ service, authenticator: deps.authenticator }));
  app.route('/api/v1/templates', createVersionsRoutes({ service, authenticator: deps.authenticator }));
  app.route('/internal/v1/templates', createInternalRoutes({ service, internalSecret: deps.internalSecret }));
  return app;
}

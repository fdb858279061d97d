import { Hono } from 'hono';
import { createErrorHandler, ok } from '../../shared/envelope.js';
import { createRouteNotFound } from '../../shared/http/allowed-methods.js';
import type { AppEnv } from '../../shared/http/app-env.js';
import { correlationId } from '../../shared/http/correlation-id.js';
import { createBaseApp } from '../../shared/http/create-app.js';
import type { ReadinessCheck } from '../../shared/http/health.js';
import { limitBody } from '../../shared/http/json-body.js';
import { requestLog } from '../../shared/http/request-log.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { MetricsDeps } from '../../shared/metrics/function-metrics.js';
import { httpMetrics } from '../../shared/metrics/http-metrics.js';
import type { SesEventIntake } from './feedback/ses-events.js';
import { buildEmailOpenApi } from './openapi.js';

export const EVENTS_PATH = '/api/v1/email/events';

export interface EmailAppDeps {
  logger: Logger;
  bodyLimitBytes: number;
  readiness: Record<string, ReadinessCheck>;
  sesEvents: SesEventIntake;
}

/**
 * The email function's HTTP side: health and readiness, and the SES/SNS
 * feedback intake. SNS posts its JSON as `text/plain`, so the intake sits in
 * front of the base app's JSON-only rule (with the same correlation id, log
 * line, body limit and error envelope).
 */
export function createEmailApp(deps: EmailAppDeps & MetricsDeps): Hono<AppEnv> {
  const base = createBaseApp({
    name: 'email',
    logger: deps.logger,
    bodyLimitBytes: deps.bodyLimitBytes,
    readiness: deps.readiness,
    metrics: deps.metrics,
    openapi: buildEmailOpenApi,
  });
  const app = new Hono<AppEnv>({ strict: false });
  if (deps.metrics) app.use('*', httpMetrics(deps.metrics));
  app.use(EVENTS_PATH, correlationId(), requestLog(deps.logger), limitBody(deps.bodyLimitBytes));
  app.post(EVENTS_PATH, async (c) => {
    const result = await deps.sesEvents(await c.req.text());
    return ok(c, result, result.type === 'events' ? `${result.published} status update(s) published` : result.type);
  });
  app.route('/', base);
  const handleError = createErrorHandler(deps.logger);
  app.notFound(createRouteNotFound(app, handleError));
  app.onError(handleError);
  return app;
}

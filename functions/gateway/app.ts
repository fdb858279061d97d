import type { Hono } from 'hono';
import type { AppEnv } from '../../shared/http/app-env.js';
import { createBaseApp } from '../../shared/http/create-app.js';
import type { MetricsDeps } from '../../shared/metrics/function-metrics.js';
import { createAdminRoutes } from './admin.routes.js';
import { createDashboardRoutes } from './dashboard.routes.js';
import { forwardTo } from './forward.js';
import { FORWARDED } from './forwarded-routes.js';
import type { GatewayAppDeps } from './gateway-deps.js';
import { createNotificationsRoutes } from './notifications.routes.js';
import { buildGatewayOpenApi } from './openapi.js';
import { createStatusRoutes } from './status.routes.js';


/** The gateway's HTTP app: notification intake and tracking, and the one public entry point. */
export function createGatewayApp(deps: GatewayAppDeps & MetricsDeps): Hono<AppEnv> {
  const app = createBaseApp({
    name: 'gateway',
    logger: deps.logger,
    bodyLimitBytes: deps.bodyLimitBytes,
    largerBodyLimits: { '/api/v1/notifications/batch': deps.batchBodyLimitBytes },
    // RFC 8058 mail clients post a form to the unsubscribe link; the user function takes it
    nonJsonBodyPaths: [/^\/api\/v1\/users\/[^/]+\/unsubscribe\/?$/],
    readiness: deps.readiness,
    metrics: deps.metrics,
    openapi: buildGatewayOpenApi,
  });
  app.route('/api/v1/notifications', createNotificationsRoutes(deps));
  app.route('/api/v1', createStatusRoutes(deps));
  app.route('/api/v1/admin', createAdminRoutes({ ...deps.admin, authenticator: deps.authenticator }));
  app.route('/', createDashboardRoutes());
  for (const [prefix, name] of FORWARDED) {
    const forward = forwardTo(deps.upstreams[name], name);
    app.all(prefix, forward);
    app.all(`${prefix}/*`, forward);
  }
  return app;
}

import type { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { Db } from '../../shared/db/create-db.js';
import type { AppEnv } from '../../shared/http/app-env.js';
import { createBaseApp } from '../../shared/http/create-app.js';
import type { MetricsDeps } from '../../shared/metrics/function-metrics.js';
import { createAdminRoutes } from './admin/admin.routes.js';
import { createDashboardRoutes } from './admin/dashboard.routes.js';
import { createFanoutsRoutes } from './fanout/fanouts.routes.js';
import { forwardTo } from './forwarding/forward.js';
import { FORWARDED } from './forwarding/forwarded-routes.js';
import type { GatewayAppDeps } from './gateway-deps.js';
import { createGatewayStore } from './gateway-store.js';
import { createInboxComponentRoutes } from './inbox/component.routes.js';
import { createInboxRoutes } from './inbox/inbox.routes.js';
import { createInboxStreamRoutes } from './inbox/inbox-stream.routes.js';
import { createIndexRoutes } from './index.routes.js';
import { createNotificationsRoutes } from './intake/notifications.routes.js';
import type { StatusReport } from './notification-store.js';
import { buildGatewayOpenApi } from './openapi.js';
import { createGatewayInternalRoutes } from './status/internal.routes.js';
import { createStatusRoutes } from './status/status.routes.js';
import { createSuppressionRoutes } from './suppressions/suppressions.routes.js';
import { createWebhookRoutes } from './webhooks/webhooks.routes.js';
import { createWorkflowRoutes } from './workflows/definitions/workflows.routes.js';
import { createWorkflowRunRoutes } from './workflows/runs/workflow-runs.routes.js';

/** The gateway's HTTP app: notification intake and tracking, and the one public entry point. */
export function createGatewayApp(deps: GatewayAppDeps & MetricsDeps): Hono<AppEnv> {
  const app = createBaseApp({
    name: 'gateway',
    logger: deps.logger,
    bodyLimitBytes: deps.bodyLimitBytes,
    largerBodyLimits: {
      '/api/v1/notifications/batch': deps.batchBodyLimitBytes,
      '/api/v1/users/bulk': deps.batchBodyLimitBytes,
    },
    // RFC 8058 mail clients post a form to the unsubscribe link; the user function takes it.
    // SNS posts its JSON as text/plain; the email function takes it
    nonJsonBodyPaths: [/^\/api\/v1\/users\/[^/]+\/unsubscribe\/?$/, /^\/api\/v1\/email\/events\/?$/],
    readiness: deps.readiness,
    metrics: deps.metrics,
    openapi: buildGatewayOpenApi,
  });
  app.route('/api/v1/notifications', createNotificationsRoutes(deps));
  app.route('/api/v1/fanouts', createFanoutsRoutes(deps));
  app.route('/api/v1/workflows', createWorkflowRoutes({ ...deps.workflows, authenticator: deps.authenticator }));
  app.route('/api/v1/workflow-runs', createWorkflowRunRoutes({ ...deps.workflows, authenticator: deps.authenticator }));
  app.route('/api/v1', createStatusRoutes(deps));
  app.route('/api/v1/suppressions', createSuppressionRoutes(deps));
  app.route(
    '/api/v1/webhooks',
    createWebhookRoutes({ ...deps.webhooks, authenticator: deps.authenticator, logger: deps.logger }),
  );
  app.route('/api/v1/admin', createAdminRoutes({ ...deps.admin, authenticator: deps.authenticator }));
  app.route('/', createIndexRoutes());
  app.route('/', createDashboardRoutes());
  app.route('/internal/v1', createGatewayInternalRoutes(deps));
  // the inbox is called from the customer's pages, on their origin, with a bearer token (no cookies): any origin may
  const inbox = {
    ...deps.inbox,
    authenticator: deps.authenticator,
    // on the gateway's own store: a read raises its webhook event like any other status
    recordReadIn: (tx: Db, reports: StatusReport[]) => createGatewayStore(tx).recordStatuses(reports),
    logger: deps.logger,
  };
  app.use(
    '/api/v1/inbox/*',
    cors({ origin: '*', allowHeaders: ['authorization', 'content-type', 'last-event-id'], allowMethods: ['GET', 'POST'] }),
  );
  app.route('/api/v1/inbox/stream', createInboxStreamRoutes(inbox));
  app.route('/api/v1/inbox', createInboxRoutes(inbox));
  app.route('/', createInboxComponentRoutes());
  for (const [prefix, name] of FORWARDED) {
    const forward = forwardTo(deps.upstreams[name], name);
    app.all(prefix, forward);
    app.all(`${prefix}/*`, forward);
  }
  return app;
}

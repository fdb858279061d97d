import type { Hono } from 'hono';
import type { AppEnv } from '../../shared/http/app-env.js';
import { createBaseApp } from '../../shared/http/create-app.js';
import type { MetricsDeps } from '../../shared/metrics/function-metrics.js';
import { createApiKeysRoutes } from './auth/api-keys.routes.js';
import { createAuthRoutes } from './auth/auth.routes.js';
import { createPushSubscriptionsRoutes } from './devices/push-subscriptions.routes.js';
import { createInternalRoutes } from './internal.routes.js';
import { buildUserOpenApi } from './openapi.js';
import { createTopicsRoutes } from './topics/topics.routes.js';
import { withUnsubscribeRoutes } from './unsubscribe/unsubscribe.routes.js';
import type { UserAppDeps } from './user-deps.js';
import { BULK_USERS_BODY_LIMIT_BYTES } from './users/user.schemas.js';
import { createUsersRoutes } from './users/users.routes.js';

/** The user function's HTTP app: users and recipients, preferences, devices, topics, login, API keys. */
export function createUserApp(deps: UserAppDeps & MetricsDeps): Hono<AppEnv> {
  const app = createBaseApp({
    name: 'user',
    logger: deps.logger,
    bodyLimitBytes: deps.bodyLimitBytes,
    largerBodyLimits: { '/api/v1/users/bulk': BULK_USERS_BODY_LIMIT_BYTES },
    readiness: deps.readiness,
    metrics: deps.metrics,
    openapi: buildUserOpenApi,
  });
  app.route('/api/v1/users/:user_id/push-subscriptions', createPushSubscriptionsRoutes(deps));
  app.route('/api/v1/users', createUsersRoutes(deps));
  app.route('/api/v1/topics', createTopicsRoutes(deps));
  app.route('/api/v1/auth', createAuthRoutes(deps));
  app.route('/api/v1/api-keys', createApiKeysRoutes(deps));
  app.route('/internal/v1', createInternalRoutes(deps));
  return withUnsubscribeRoutes(app, deps);
}

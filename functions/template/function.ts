import { createRemoteAuthenticator } from '../../shared/auth/remote-authenticator.js';
import { createCacheSeal } from '../../shared/cache/sealed-values.js';
import { withFunctionMetrics } from '../../shared/metrics/function-metrics.js';
import type { FunctionModule } from '../../shared/runtime/function-module.js';
import { signedPeers } from '../../shared/runtime/signed-peers.js';
import { migrationsOf } from '../migrations.js';
import { createTemplateApp } from './app.js';

/** The template function (port 8002): templates, immutable versions, rendering. */
export const templateFunction: FunctionModule = {
  name: 'template',
  containerPort: 8002,
  devPort: 8002,
  migrations: [migrationsOf('template')],
  async create(infra, reach) {
    const peers = signedPeers(reach, { self: 'template', secret: infra.internalSecret });
    const authenticator = createRemoteAuthenticator({
      userFetcher: peers.fetcher('user'),
      cache: infra.cache,
      seal: createCacheSeal(infra.jwtSecret),
    });
    const app = createTemplateApp({
      db: infra.database.db,
      logger: infra.logger,
      authenticator,
      bodyLimitBytes: infra.config.http.bodyLimitBytes,
      internalSecret: infra.internalSecret,
      // liquidjs's limits (TEMPLATE_PARSE_LIMIT, TEMPLATE_RENDER_LIMIT_MS, TEMPLATE_MEMORY_LIMIT)
      engine: infra.config.templates,
      readiness: { database: () => infra.database.ping() },
      metrics: withFunctionMetrics(infra, 'template').metrics,
    });
    return { app };
  },
};

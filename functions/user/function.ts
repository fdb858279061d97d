import { withFunctionMetrics } from '../../shared/metrics/function-metrics.js';
import type { FunctionModule } from '../../shared/runtime/function-module.js';
import { migrationsOf } from '../migrations.js';
import { createUserApp } from './app.js';
import { createCredentialAuthenticator } from './credential-authenticator.js';
import { ensureDevAdminKey } from './dev-admin-key.js';
import { createUserStore } from './user-store.js';

/** The user function (port 8001, container 8081): owns users, preferences, devices and API keys. */
export const userFunction: FunctionModule = {
  name: 'user',
  containerPort: 8081,
  devPort: 8001,
  migrations: migrationsOf('user'),
  async create(infra) {
    const { config, database, cache, logger, metrics } = withFunctionMetrics(infra, 'user');
    const store = createUserStore(database.db);
    const app = createUserApp({
      store,
      authenticator: createCredentialAuthenticator({
        store,
        jwtSecret: infra.jwtSecret,
        bootstrapAdminKey: config.auth.adminApiKey,
      }),
      cache,
      logger,
      jwt: { secret: infra.jwtSecret, ttlSeconds: config.auth.jwtTtlSeconds },
      pushEndpointAllowlist: config.push.endpointAllowlist,
      bodyLimitBytes: config.http.bodyLimitBytes,
      readiness: { database: () => database.ping(), cache: () => cache.ping() },
      metrics,
    });
    const banner: string[] = [];
    if (!config.auth.adminApiKey && config.env === 'development') {
      const key = await ensureDevAdminKey(store);
      if (key) banner.push(`Admin API key (shown once, only its hash is stored): ${key}`);
    }
    return { app, banner };
  },
};

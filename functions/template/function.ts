import { createRemoteAuthenticator } from '../../shared/auth/remote-authenticator.js';
import { withFunctionMetrics } from '../../shared/metrics/function-metrics.js';
import type { FunctionModule } from '../../shared/runtime/function-module.js';
import { migrationsOf } from '../migrations.js';
import { createTemplateApp } from './app.js';

/** The template function (port 8002): templates, immutable versions, rendering. */
export const templateFunction: FunctionModule = {
  name: 'template',
  containerPort: 8002,
  devPort: 8002,
  migrations: migrationsOf('template'),
  async create(infra, peers) {
    const authenticator = createRemoteAuthenticator({ userFetcher: peers.fetcher('user'), cache: infra.cache });
    const app = createTemplateApp({
      db: infra.database.db,
      logger: infra.logger,
      authenticator,
      bodyLimitBytes: infra.config.http.bodyLimitBytes,
      readiness: { database: () => infra.database.ping() },
      metrics: withFunctionMetrics(infra, 'template').metrics,
    });
    return { app };
  },
};

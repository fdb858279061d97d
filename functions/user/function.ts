import { createTokenRevocations } from '../../shared/auth/token-revocations.js';
import { createCacheSeal } from '../../shared/cache/sealed-values.js';
import { withFunctionMetrics } from '../../shared/metrics/function-metrics.js';
import type { FunctionModule } from '../../shared/runtime/function-module.js';
import { migrationsOf } from '../migrations.js';
import { createUserApp } from './app.js';
import { createCredentialAuthenticator } from './auth/credential-authenticator.js';
import { ensureDevAdminKey } from './auth/dev-admin-key.js';
import { createPasswordHasher } from './auth/password.js';
import { createTopicStore } from './topics/topic-store.js';
import { createRecipientImport } from './users/recipient-import.js';
import { createRecipientReader } from './users/recipient-reader.js';
import { createUserStore } from './users/user-store.js';

/** The user function (port 8001, container 8081): owns users, preferences, devices and API keys. */
export const userFunction: FunctionModule = {
  name: 'user',
  containerPort: 8081,
  devPort: 8001,
  migrations: [migrationsOf('user')],
  async create(infra) {
    const { config, database, cache, logger, metrics } = withFunctionMetrics(infra, 'user');
    const store = createUserStore(database.db);
    const app = createUserApp({
      store,
      recipients: createRecipientImport(database.db, { maxDevicesPerUser: config.push.maxDevicesPerUser }),
      recipientReader: createRecipientReader(database.db),
      topics: createTopicStore(database.db),
      authenticator: createCredentialAuthenticator({
        store,
        jwtSecret: infra.jwtSecret,
        bootstrapAdminKey: config.auth.adminApiKey,
      }),
      tokenRevocations: createTokenRevocations({ cache, seal: createCacheSeal(infra.jwtSecret) }),
      cache,
      passwords: createPasswordHasher(config.auth.passwordScrypt),
      logger,
      jwt: { secret: infra.jwtSecret, ttlSeconds: config.auth.jwtTtlSeconds },
      internalSecret: infra.internalSecret,
      pushEndpointPolicy: config.push.endpointPolicy,
      maxDevicesPerUser: config.push.maxDevicesPerUser,
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

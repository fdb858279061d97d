import { createRemoteAuthenticator } from '../../shared/auth/remote-authenticator.js';
import { createBreakerFetcher, OUTAGE_STATUSES } from '../../shared/clients/breaker-fetcher.js';
import { createTemplateClient } from '../../shared/clients/template-client.js';
import { createUserClient } from '../../shared/clients/user-client.js';
import type { Consumer } from '../../shared/queue/queue.js';
import { withFunctionMetrics } from '../../shared/metrics/function-metrics.js';
import { countNotificationsByStatus, registerNotificationStatusMetrics } from '../../shared/metrics/notification-status-metrics.js';
import type { FunctionModule } from '../../shared/runtime/function-module.js';
import { migrationsOf } from '../migrations.js';
import { createAdminStore } from './admin-store.js';
import { createGatewayApp } from './app.js';
import { createRecordStatus } from './consumer.js';
import { createIntake } from './intake.js';
import { createIntakeCoalescer } from './intake-coalescer.js';
import { createLatencyWindow } from './latency-window.js';
import { createNotificationStore } from './notification-store.js';
import { createOutboxRelay } from './outbox-relay.js';
import { createStatusRecorder } from './status-recorder.js';

const BATCH_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

/**
 * The gateway (port 8000): notification intake, the outbox relay, status
 * tracking (consumer of `status`), and the one public entry point.
 */
export const gatewayFunction: FunctionModule = {
  name: 'gateway',
  containerPort: 8000,
  devPort: 8000,
  migrations: migrationsOf('gateway'),
  async create(infra, peers) {
    const { config, database, cache, queue, logger, metrics } = withFunctionMetrics(infra, 'gateway');
    registerNotificationStatusMetrics(metrics, { countByStatus: countNotificationsByStatus(database.db) });
    const userFetcher = createBreakerFetcher(peers.fetcher('user'), { name: 'user' });
    const templateFetcher = createBreakerFetcher(peers.fetcher('template'), { name: 'template' });
    const store = createNotificationStore(database.db);
    const relay = createOutboxRelay({ store, queue, logger, batchSize: config.gateway.outboxBatchSize });
    const recorder = createStatusRecorder({ store, logger });
    const intake = createIntake({
      store,
      users: createUserClient({ fetcher: userFetcher, cache, recipientTtlMs: config.cache.userTtlSeconds * 1000 }),
      templates: createTemplateClient({ fetcher: templateFetcher, cache }),
      cache,
      logger,
      limits: {
        perKeyPerMinute: config.gateway.rateLimitPerKeyPerMinute,
        perUserPerMinute: config.gateway.rateLimitPerUserPerMinute,
      },
      onQueued: () => relay.nudge(),
    });
    // the dashboard's latency chart: the public API's requests, not the dashboard's own polling
    const latency = createLatencyWindow({ registry: metrics, includeRoute: (route) => route.startsWith('/api/') && !route.startsWith('/api/v1/admin') });
    const app = createGatewayApp({
      intake,
      coalescer: createIntakeCoalescer({ intake }),
      store,
      recorder,
      authenticator: createRemoteAuthenticator({ userFetcher, cache }),
      logger,
      // forwarding has breakers of its own: a client's request that makes a function fail (a 500)
      // must not open the breaker that credential checks and lookups depend on
      upstreams: {
        user: createBreakerFetcher(peers.fetcher('user'), { name: 'user', isOutage: OUTAGE_STATUSES }),
        template: createBreakerFetcher(peers.fetcher('template'), { name: 'template', isOutage: OUTAGE_STATUSES }),
        email: peers.fetcher('email'),
        push: peers.fetcher('push'),
      },
      bodyLimitBytes: config.http.bodyLimitBytes,
      batchBodyLimitBytes: BATCH_BODY_LIMIT_BYTES,
      readiness: { database: () => database.ping(), cache: () => cache.ping(), queue: () => queue.ping() },
      admin: { queue, store: createAdminStore(database.db), latency },
      metrics,
    });

    let statusConsumer: Consumer | undefined;
    return {
      app,
      async start() {
        relay.start();
        latency.start();
        statusConsumer = await queue.consume('status', createRecordStatus(recorder), { concurrency: 200 });
      },
      async stop() {
        await statusConsumer?.stop();
        await relay.stop();
        latency.stop();
      },
    };
  },
};

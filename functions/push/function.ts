import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCacheSeal } from '../../shared/cache/sealed-values.js';
import { createBreakerFetcher } from '../../shared/clients/breaker-fetcher.js';
import { createTemplateClient } from '../../shared/clients/template-client.js';
import { createUserClient } from '../../shared/clients/user-client.js';
import type { Config } from '../../shared/config.js';
import { createChannelCore } from '../../shared/delivery/channel-core.js';
import { deliveryMigrations } from '../../shared/delivery/delivery-migrations.js';
import type { Logger } from '../../shared/logging/logger.js';
import { withFunctionMetrics } from '../../shared/metrics/function-metrics.js';
import { createProviderMetrics } from '../../shared/metrics/provider-metrics.js';
import type { Consumer } from '../../shared/queue/queue.js';
import type { FunctionModule } from '../../shared/runtime/function-module.js';
import { signedPeers } from '../../shared/runtime/signed-peers.js';
import { createPushApp } from './app.js';
import { createSendPush } from './consumer.js';
import { LOCAL_PUSH_CERT_DIR } from './local/local-push-service.js';
import { withPushMetrics } from './push-metrics.js';
import { createServiceAccountTokenSource, parseServiceAccount } from './senders/fcm-auth.js';
import { createFcmSender } from './senders/fcm-sender.js';
import { createMissingFcmSender, FCM_NOT_CONFIGURED } from './senders/missing-fcm-sender.js';
import { withOriginBreakers } from './senders/origin-breakers.js';
import type { PushSender } from './senders/push-sender.js';
import { createPushSenderRouter } from './senders/push-sender-router.js';
import { withPushTracing } from './senders/traced-push-sender.js';
import { createWebPushSender } from './senders/web-push-sender.js';
import { resolveVapidIdentity } from './vapid/vapid-keys.js';

/** PUSH_CA_FILE, or in development the certificate of the local push service `npm start` runs. */
function extraCaPem(config: Config): string | undefined {
  if (config.push.caFile) return readFileSync(config.push.caFile, 'utf8');
  const local = join(config.dataDir, LOCAL_PUSH_CERT_DIR, 'cert.pem');
  return config.env === 'development' && existsSync(local) ? readFileSync(local, 'utf8') : undefined;
}

function createFcm(config: Config, logger: Logger): PushSender {
  const { serviceAccountJson, serviceAccountPath, projectId, endpoint, tokenUrl } = config.push.fcm;
  const json = serviceAccountJson ?? (serviceAccountPath ? readFileSync(serviceAccountPath, 'utf8') : undefined);
  if (!json) {
    logger.warn(FCM_NOT_CONFIGURED);
    return createMissingFcmSender();
  }
  const account = parseServiceAccount(json);
  const timeoutMs = config.push.requestTimeoutMs;
  return createFcmSender({
    projectId: projectId ?? account.projectId,
    tokens: createServiceAccountTokenSource({ account, timeoutMs, ...(tokenUrl && { tokenUrl }) }),
    endpoint,
    timeoutMs,
  });
}

/** The push function (port 8004): consumes `push` messages and delivers them to every device of the user. */
export const pushFunction: FunctionModule = {
  name: 'push',
  containerPort: 8004,
  devPort: 8004,
  migrations: [deliveryMigrations],
  async create(infra, reach) {
    const peers = signedPeers(reach, { self: 'push', secret: infra.internalSecret });
    const { config, logger, cache, queue, metrics } = withFunctionMetrics(infra, 'push');
    const vapid = resolveVapidIdentity(config);
    const ca = extraCaPem(config);
    const providerMetrics = createProviderMetrics(metrics);
    const sender = withPushMetrics(
      withOriginBreakers(
        withPushTracing(
          createPushSenderRouter({
            webPush: createWebPushSender({
              vapid,
              endpointPolicy: config.push.endpointPolicy,
              timeoutMs: config.push.requestTimeoutMs,
              logger,
              ...(ca && { extraCaPem: ca }),
            }),
            fcm: createFcm(config, logger),
          }),
        ),
        { logger, metrics: providerMetrics },
      ),
      providerMetrics,
    );
    const seal = createCacheSeal(infra.jwtSecret);
    const users = createUserClient({
      fetcher: createBreakerFetcher(peers.fetcher('user'), { name: 'user' }),
      cache,
      seal,
      recipientTtlMs: config.cache.userTtlSeconds * 1000,
    });
    const handler = createSendPush({
      users,
      core: createChannelCore(infra, { channel: 'push', users }),
      templates: createTemplateClient({
        fetcher: createBreakerFetcher(peers.fetcher('template'), { name: 'template' }),
        cache,
        seal,
      }),
      sender,
      logger,
      defaults: { ttlSeconds: config.push.defaultTtlSeconds, urgency: config.push.defaultUrgency },
    });
    const app = createPushApp({
      logger,
      metrics,
      bodyLimitBytes: config.http.bodyLimitBytes,
      vapidPublicKey: vapid.publicKey,
      readiness: { cache: () => cache.ping(), queue: () => queue.ping() },
    });

    let consumer: Consumer | undefined;
    return {
      app,
      async start() {
        consumer = await queue.consume('push', handler, { concurrency: config.push.concurrency });
      },
      async stop() {
        await consumer?.stop();
        await sender.close?.();
      },
      banner:
        vapid.source === 'generated'
          ? [`VAPID dev key pair generated and kept in ${config.dataDir} (public key ${vapid.publicKey})`]
          : [],
    };
  },
};

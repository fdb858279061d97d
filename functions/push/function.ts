import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBreakerFetcher } from '../../shared/clients/breaker-fetcher.js';
import { createTemplateClient } from '../../shared/clients/template-client.js';
import { createUserClient } from '../../shared/clients/user-client.js';
import type { Config } from '../../shared/config.js';
import type { Logger } from '../../shared/logging/logger.js';
import { MESSAGES } from '../../shared/messages.js';
import { withFunctionMetrics } from '../../shared/metrics/function-metrics.js';
import { createProviderMetrics } from '../../shared/metrics/provider-metrics.js';
import type { Consumer } from '../../shared/queue/queue.js';
import type { FunctionModule } from '../../shared/runtime/function-module.js';
import { createPushApp } from './app.js';
import { createSendPush } from './consumer.js';
import { createServiceAccountTokenSource, parseServiceAccount } from './fcm-auth.js';
import { createFcmSender } from './fcm-sender.js';
import { LOCAL_PUSH_CERT_DIR } from './local-push-service.js';
import { createMissingFcmSender, FCM_NOT_CONFIGURED } from './missing-fcm-sender.js';
import { withOriginBreakers } from './origin-breakers.js';
import type { PushSender } from './push-sender.js';
import { withPushMetrics } from './push-metrics.js';
import { createPushSenderRouter } from './push-sender-router.js';
import { withPushTracing } from './traced-push-sender.js';
import { resolveVapidIdentity } from './vapid-keys.js';
import { createWebPushSender } from './web-push-sender.js';

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
  async create(infra, peers) {
    const { config, logger, cache, queue, metrics } = withFunctionMetrics(infra, 'push');
    const vapid = resolveVapidIdentity(config);
    const ca = extraCaPem(config);
    const providerMetrics = createProviderMetrics(metrics);
    const sender = withPushMetrics(
      withOriginBreakers(
        withPushTracing(
          createPushSenderRouter({
            webPush: createWebPushSender({ vapid, timeoutMs: config.push.requestTimeoutMs, ...(ca && { extraCaPem: ca }) }),
            fcm: createFcm(config, logger),
          }),
        ),
        { logger, metrics: providerMetrics },
      ),
      providerMetrics,
    );
    const handler = createSendPush({
      users: createUserClient({
        fetcher: createBreakerFetcher(peers.fetcher('user'), { name: 'user' }),
        cache,
        recipientTtlMs: config.cache.userTtlSeconds * 1000,
      }),
      templates: createTemplateClient({ fetcher: createBreakerFetcher(peers.fetcher('template'), { name: 'template' }), cache }),
      sender,
      cache,
      queue,
      logger,
      defaults: { ttlSeconds: config.push.defaultTtlSeconds, urgency: config.push.defaultUrgency },
      maxAttempts: MESSAGES.push.retry.maxAttempts,
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
      banner: vapid.source === 'generated' ? [`VAPID dev key pair generated and kept in ${config.dataDir} (public key ${vapid.publicKey})`] : [],
    };
  },
};

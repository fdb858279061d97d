import { createCacheSeal } from '../../shared/cache/sealed-values.js';
import { createBreakerFetcher } from '../../shared/clients/breaker-fetcher.js';
import { createSuppressionClient } from '../../shared/clients/suppression-client.js';
import { createTemplateClient } from '../../shared/clients/template-client.js';
import { createUserClient } from '../../shared/clients/user-client.js';
import { createChannelCore } from '../../shared/delivery/channel-core.js';
import { deliveryMigrations } from '../../shared/delivery/delivery-migrations.js';
import { cachedCheck } from '../../shared/http/cached-check.js';
import { withFunctionMetrics } from '../../shared/metrics/function-metrics.js';
import { createProviderMetrics } from '../../shared/metrics/provider-metrics.js';
import type { Consumer } from '../../shared/queue/queue.js';
import type { FunctionModule } from '../../shared/runtime/function-module.js';
import { signedPeers } from '../../shared/runtime/signed-peers.js';
import { createEmailApp } from './app.js';
import { createSendEmail } from './consumer.js';
import { createEmailHeaders } from './email-headers.js';
import { createSesEventIntake } from './feedback/ses-events.js';
import { fetchFromSns } from './feedback/sns-fetch.js';
import { createSnsSignatureVerifier, fetchCertificateOverHttps } from './feedback/sns-signature.js';
import { createProviderMailers } from './providers/create-mailers.js';

const DAY_MS = 86_400_000;
/** How long a provider's readiness answer is reused. */
const PROVIDER_CHECK_TTL_MS = 5_000;

/** GET the SubscribeURL (already checked to be SNS's), following no redirect. */
async function confirmSubscription(url: string): Promise<void> {
  await fetchFromSns(url);
}

/**
 * The email function (port 8003, container 8080): consumes `email`, delivers
 * through the provider chain, publishes `status`; takes SES feedback on
 * `POST /api/v1/email/events`. Its delivery records (claims, "already sent") live in the
 * `delivery_records` table (`shared/delivery/`).
 */
export const emailFunction: FunctionModule = {
  name: 'email',
  containerPort: 8080,
  devPort: 8003,
  migrations: [deliveryMigrations],
  async create(infra, reach) {
    const peers = signedPeers(reach, { self: 'email', secret: infra.internalSecret });
    const { config, logger, cache, queue, metrics } = withFunctionMetrics(infra, 'email');
    const mailers = createProviderMailers(config, { cache, logger, metrics: createProviderMetrics(metrics) });
    const seal = createCacheSeal(infra.jwtSecret);
    const templates = createTemplateClient({
      fetcher: createBreakerFetcher(peers.fetcher('template'), { name: 'template' }),
      cache,
      seal,
    });
    const core = createChannelCore(infra, {
      channel: 'email',
      users: createUserClient({
        fetcher: createBreakerFetcher(peers.fetcher('user'), { name: 'user' }),
        cache,
        seal,
        recipientTtlMs: config.cache.userTtlSeconds * 1000,
      }),
      suppressions: createSuppressionClient({ fetcher: createBreakerFetcher(peers.fetcher('gateway'), { name: 'gateway' }) }),
    });
    const sendEmail = createSendEmail({
      mailer: mailers.chain,
      templates,
      core,
      from: config.email.from,
      headers: createEmailHeaders({
        from: config.email.from,
        unsubscribe: {
          baseUrl: config.email.unsubscribe.publicBaseUrl,
          secret: infra.jwtSecret,
          ttlMs: config.email.unsubscribe.ttlDays * DAY_MS,
          mailto: config.email.unsubscribe.mailto,
          transactionalCategories: config.email.unsubscribe.transactionalCategories,
        },
      }),
    });
    const app = createEmailApp({
      logger,
      metrics,
      bodyLimitBytes: config.http.bodyLimitBytes,
      readiness: {
        queue: () => queue.ping(),
        // a provider's probe opens a connection (SMTP): one every few seconds, however often readiness is asked
        ...Object.fromEntries(mailers.providers.map((m) => [m.name, cachedCheck(() => m.verify(), PROVIDER_CHECK_TTL_MS)])),
      },
      sesEvents: createSesEventIntake({
        queue,
        logger,
        verifier: config.email.sns.verifySignatures
          ? createSnsSignatureVerifier({ fetchCertificate: fetchCertificateOverHttps })
          : null,
        confirm: confirmSubscription,
        subscribeHostAllowlist: config.email.sns.subscribeHostAllowlist,
        topicArns: config.email.sns.topicArns,
      }),
    });

    let consumer: Consumer | undefined;
    return {
      app,
      async start() {
        consumer = await queue.consume('email', sendEmail, { concurrency: config.email.concurrency });
      },
      async stop() {
        await consumer?.stop();
        await mailers.chain.close();
      },
    };
  },
};

import { createBreakerFetcher } from '../../shared/clients/breaker-fetcher.js';
import { createTemplateClient } from '../../shared/clients/template-client.js';
import { withFunctionMetrics } from '../../shared/metrics/function-metrics.js';
import { createProviderMetrics } from '../../shared/metrics/provider-metrics.js';
import type { Consumer } from '../../shared/queue/queue.js';
import type { FunctionModule } from '../../shared/runtime/function-module.js';
import { createEmailApp } from './app.js';
import { createSendEmail } from './consumer.js';
import { createEmailHeaders } from './email-headers.js';
import { createProviderMailers } from './create-mailers.js';
import { createSesEventIntake } from './ses-events.js';
import { createSnsSignatureVerifier, fetchCertificateOverHttps } from './sns-signature.js';

const DAY_MS = 86_400_000;

async function confirmSubscription(url: string): Promise<void> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`SubscribeURL answered ${response.status}`);
}

/**
 * The email function (port 8003, container 8080): consumes `email`, delivers
 * through the provider chain, publishes `status`; takes SES feedback on
 * `POST /api/v1/email/events`. Stateless: idempotency lives in the Cache.
 */
export const emailFunction: FunctionModule = {
  name: 'email',
  containerPort: 8080,
  devPort: 8003,
  async create(infra, peers) {
    const { config, logger, cache, queue, metrics } = withFunctionMetrics(infra, 'email');
    const mailers = createProviderMailers(config, { cache, logger, metrics: createProviderMetrics(metrics) });
    const templates = createTemplateClient({ fetcher: createBreakerFetcher(peers.fetcher('template'), { name: 'template' }), cache });
    const sendEmail = createSendEmail({
      mailer: mailers.chain,
      templates,
      queue,
      cache,
      logger,
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
        ...Object.fromEntries(mailers.providers.map((m) => [m.name, () => m.verify()])),
      },
      sesEvents: createSesEventIntake({
        queue,
        logger,
        verifier: config.email.sns.verifySignatures ? createSnsSignatureVerifier({ fetchCertificate: fetchCertificateOverHttps }) : null,
        confirm: confirmSubscription,
        subscribeHostAllowlist: config.email.sns.subscribeHostAllowlist,
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

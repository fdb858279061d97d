import type { Cache } from '../../../shared/cache/cache.js';
import { type Config, ConfigError } from '../../../shared/config.js';
import type { Logger } from '../../../shared/logging/logger.js';
import type { ProviderMetrics } from '../../../shared/metrics/provider-metrics.js';
import { createFailoverMailer } from './failover-mailer.js';
import { type GuardedMailer, guardMailer } from './guard-mailer.js';
import type { Mailer } from './mailer.js';
import { createSendRateLimiter } from './send-rate-limiter.js';
import { createSesMailer } from './ses-mailer.js';
import { createSmtpMailer } from './smtp-mailer.js';
import { withMailTracing } from './traced-mailer.js';

/** Where the dev runner's mail catcher listens when SMTP_HOST is unset. */
export const LOCAL_CATCHER = { host: '127.0.0.1', port: 1025 } as const;

export interface ProviderMailers {
  /** The failover chain the consumer sends through. */
  chain: Mailer;
  /** Each guarded provider, for readiness. */
  providers: GuardedMailer[];
}

/**
 * The providers `EMAIL_PROVIDERS` names, in order, each behind its breaker and
 * send-rate limit, chained for failover. A provider that cannot be configured
 * is a {@link ConfigError} at startup, never a silent mock: SMTP without
 * SMTP_HOST is the local mail catcher outside production and an error in it.
 */
export function createProviderMailers(
  config: Config,
  deps: { cache: Cache; logger: Logger; metrics?: ProviderMetrics },
): ProviderMailers {
  const { email } = config;
  const problems: string[] = [];
  const providers: GuardedMailer[] = [];
  const guard = (mailer: Mailer, perSecond: number) =>
    guardMailer(withMailTracing(mailer), {
      logger: deps.logger,
      limiter: createSendRateLimiter({ cache: deps.cache, key: `email:rate:${mailer.name}`, perSecond }),
      volumeThreshold: email.breaker.volumeThreshold,
      resetTimeoutMs: email.breaker.resetMs,
      ...(deps.metrics && { metrics: deps.metrics }),
    });

  for (const provider of new Set(email.providers)) {
    if (provider === 'smtp') {
      const { host, port, user, pass, secure } = email.smtp;
      if (!host && config.env === 'production') {
        problems.push('SMTP_HOST: required when EMAIL_PROVIDERS includes smtp and NODE_ENV=production');
        continue;
      }
      const mailer = createSmtpMailer({
        host: host ?? LOCAL_CATCHER.host,
        port: port ?? (host ? (secure ? 465 : 587) : LOCAL_CATCHER.port),
        secure,
        ...(user && pass && { auth: { user, pass } }),
        poolSize: email.smtpPool.size,
        timeoutMs: email.smtpPool.timeoutMs,
        // the local catcher offers STARTTLS with a certificate nobody trusts
        ignoreTls: !host,
      });
      providers.push(guard(mailer, email.smtpPool.sendRatePerSecond));
    } else {
      const mailer = createSesMailer({
        region: email.ses.region ?? config.queue.awsRegion,
        ...(email.ses.endpoint && { endpoint: email.ses.endpoint }),
        ...(email.sesConfigurationSet && { configurationSet: email.sesConfigurationSet }),
        timeoutMs: email.smtpPool.timeoutMs,
      });
      providers.push(guard(mailer, email.sesSendRatePerSecond));
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { chain: createFailoverMailer(providers, deps.logger), providers };
}

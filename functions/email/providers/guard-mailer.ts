import CircuitBreaker from 'opossum';
import type { Logger } from '../../../shared/logging/logger.js';
import type { ProviderMetrics } from '../../../shared/metrics/provider-metrics.js';
import { MailDeliveryError } from './mail-delivery-error.js';
import type { Mailer, OutgoingEmail, SentEmail } from './mailer.js';
import { SendRateExceededError, type SendRateLimiter } from './send-rate-limiter.js';

export interface MailerGuardOptions {
  logger: Logger;
  limiter: SendRateLimiter;
  /** Calls in the rolling window before the failure percentage may open the circuit. */
  volumeThreshold: number;
  /** Failure percentage of the rolling window that opens it. Default 50. */
  errorThresholdPercentage?: number;
  /** How long it stays open before one probe send (half-open). */
  resetTimeoutMs: number;
  /** Rolling window length. Default 10 s. */
  rollingWindowMs?: number;
  /** Provider metrics (sends, failures by class, breaker state, rate-limit waits). */
  metrics?: ProviderMetrics;
}

export interface GuardedMailer extends Mailer {
  /** `closed`, `open` or `half_open`. */
  circuitState(): 'closed' | 'open' | 'half_open';
}

/**
 * One provider behind a circuit breaker (opossum) and its send-rate limit.
 * Only transient failures count against the provider: a bad recipient (5xx)
 * says nothing about the relay's health. While open, sends fail at once
 * with a transient error, so the failover chain moves on to the next provider
 * without waiting for a timeout; after `resetTimeoutMs` one send is let
 * through as a probe, and its success closes the circuit again.
 */
export function guardMailer(mailer: Mailer, options: MailerGuardOptions): GuardedMailer {
  const breaker = new CircuitBreaker((email: OutgoingEmail) => mailer.send(email), {
    name: mailer.name,
    // the adapters time out each SMTP step / HTTP call themselves
    timeout: false,
    errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
    volumeThreshold: options.volumeThreshold,
    resetTimeout: options.resetTimeoutMs,
    rollingCountTimeout: options.rollingWindowMs ?? 10_000,
    errorFilter: (error: unknown) => error instanceof MailDeliveryError && error.kind === 'permanent',
  });
  const metrics = options.metrics;
  breaker.on('open', () => {
    options.logger.warn({ provider: mailer.name, reset_ms: options.resetTimeoutMs }, 'email provider circuit opened');
    metrics?.breaker(mailer.name, 'open');
  });
  breaker.on('halfOpen', () => {
    options.logger.info({ provider: mailer.name }, 'email provider circuit half-open: probing');
    metrics?.breaker(mailer.name, 'half_open');
  });
  breaker.on('close', () => {
    options.logger.info({ provider: mailer.name }, 'email provider circuit closed');
    metrics?.breaker(mailer.name, 'closed');
  });

  return {
    name: mailer.name,
    async send(email): Promise<SentEmail> {
      if (breaker.opened) {
        metrics?.failed(mailer.name, 'breaker_open', 'email');
        throw circuitOpen(mailer.name);
      }
      const waitStarted = performance.now();
      try {
        await options.limiter.acquire();
        metrics?.rateLimitWait(mailer.name, (performance.now() - waitStarted) / 1000);
      } catch (error) {
        if (error instanceof SendRateExceededError) {
          throw new MailDeliveryError(`${mailer.name}: ${error.message}`, {
            provider: mailer.name,
            kind: 'transient',
            cause: error,
          });
        }
        throw error;
      }
      try {
        const sent = (await breaker.fire(email)) as SentEmail;
        metrics?.sent(mailer.name, 'email');
        return sent;
      } catch (error) {
        if (error instanceof MailDeliveryError) {
          metrics?.failed(mailer.name, error.kind, 'email');
          throw error;
        }
        // opossum's own refusals: open circuit, or a second call while a half-open probe is out
        metrics?.failed(mailer.name, 'breaker_open', 'email');
        throw circuitOpen(mailer.name, error);
      }
    },
    verify: () => mailer.verify(),
    async close() {
      breaker.shutdown();
      await mailer.close();
    },
    circuitState: () => (breaker.opened ? 'open' : breaker.halfOpen ? 'half_open' : 'closed'),
  };
}

function circuitOpen(provider: string, cause?: unknown): MailDeliveryError {
  return new MailDeliveryError(`${provider}: circuit open, provider skipped`, { provider, kind: 'transient', cause });
}

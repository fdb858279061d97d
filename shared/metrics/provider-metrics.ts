import { Counter, Gauge, Histogram } from 'prom-client';
import { type MetricsRegistry, metricOf } from './registry.js';

/** Circuit breaker states, as the `provider_breaker_state` gauge encodes them. */
export const BREAKER_STATE_VALUE = { closed: 0, half_open: 1, open: 2 } as const;
export type BreakerState = keyof typeof BREAKER_STATE_VALUE;

/**
 * Delivery provider metrics (SMTP, SES, Web Push, FCM), for the email and
 * push workers to call where they send:
 * - `sent(provider)` after a provider accepted a message;
 * - `failed(provider, failureClass)` with a bounded class
 *   (`transient`, `permanent`, `rate_limited`, `timeout`, `breaker_open`, ...),
 *   never a raw error message;
 * - `breaker(provider, state)` on every breaker transition;
 * - `rateLimitWait(provider, seconds)` each time a send waited for a rate limiter.
 * `provider` is a short stable name (`smtp`, `ses`, `web_push`, `fcm`, or a push origin host).
 */
export interface ProviderMetrics {
  sent(provider: string, channel?: string): void;
  failed(provider: string, failureClass: string, channel?: string): void;
  breaker(provider: string, state: BreakerState): void;
  rateLimitWait(provider: string, seconds: number): void;
}

/** The provider metrics of one function's registry (safe to call twice on the same registry). */
export function createProviderMetrics(registry: MetricsRegistry): ProviderMetrics {
  const registers = [registry];
  const sends = metricOf(
    registry,
    'provider_sends_total',
    () =>
      new Counter({
        name: 'provider_sends_total',
        help: 'Messages a provider accepted, by provider and channel',
        labelNames: ['provider', 'channel'] as const,
        registers,
      }),
  );
  const failures = metricOf(
    registry,
    'provider_failures_total',
    () =>
      new Counter({
        name: 'provider_failures_total',
        help: 'Provider send failures, by provider, channel and failure class',
        labelNames: ['provider', 'channel', 'class'] as const,
        registers,
      }),
  );
  const breakerState = metricOf(
    registry,
    'provider_breaker_state',
    () =>
      new Gauge({
        name: 'provider_breaker_state',
        help: 'Circuit breaker state per provider: 0 closed, 1 half-open, 2 open',
        labelNames: ['provider'] as const,
        registers,
      }),
  );
  const waits = metricOf(
    registry,
    'provider_rate_limit_wait_seconds',
    () =>
      new Histogram({
        name: 'provider_rate_limit_wait_seconds',
        help: 'Time sends waited for a provider rate limiter',
        labelNames: ['provider'] as const,
        buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers,
      }),
  );
  return {
    sent: (provider, channel = 'unknown') => sends.inc({ provider, channel }),
    failed: (provider, failureClass, channel = 'unknown') => failures.inc({ provider, channel, class: failureClass }),
    breaker: (provider, state) => breakerState.set({ provider }, BREAKER_STATE_VALUE[state]),
    rateLimitWait: (provider, seconds) => waits.observe({ provider }, Math.max(0, seconds)),
  };
}

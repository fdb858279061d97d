import { describe, expect, it } from 'vitest';
import { registerNotificationStatusMetrics } from './notification-status-metrics.js';
import { createProviderMetrics } from './provider-metrics.js';
import { createMetricsRegistry } from './registry.js';
import { sampleOf } from './testing.js';

describe('provider and notification metrics', () => {
  it('records sends, failures by class, breaker state and rate-limit waits', async () => {
    const registry = createMetricsRegistry({ function: 'email', processMetrics: false });
    const providers = createProviderMetrics(registry);
    providers.sent('smtp', 'email');
    providers.failed('smtp', 'transient', 'email');
    providers.breaker('ses', 'open');
    providers.rateLimitWait('smtp', 0.2);
    expect(createProviderMetrics(registry)).toBeDefined(); // a second call reuses the series
    const text = await registry.metrics();
    expect(text).toContain('provider_sends_total{provider="smtp",channel="email",function="email"} 1');
    expect(text).toContain('provider_failures_total{provider="smtp",channel="email",class="transient",function="email"} 1');
    expect(text).toContain('provider_breaker_state{provider="ses",function="email"} 2');
    expect(
      await sampleOf(
        registry,
        'provider_rate_limit_wait_seconds',
        { provider: 'smtp' },
        'provider_rate_limit_wait_seconds_count',
      ),
    ).toBe(1);
  });

  it('reads notifications by status on scrape, at most once per interval, keeping statuses that emptied', async () => {
    const registry = createMetricsRegistry({ function: 'gateway', processMetrics: false });
    let clock = 0;
    let reads = 0;
    const counts: Array<Record<string, number>> = [{ pending: 3, delivered: 5 }, { delivered: 8 }];
    registerNotificationStatusMetrics(registry, {
      countByStatus: async () => counts[reads++]!,
      now: () => clock,
      minIntervalMs: 1000,
    });
    expect(await registry.metrics()).toContain('notifications_by_status{status="pending",function="gateway"} 3');
    await registry.metrics();
    expect(reads).toBe(1);
    clock = 1000;
    const text = await registry.metrics();
    expect(text).toContain('notifications_by_status{status="pending",function="gateway"} 0');
    expect(text).toContain('notifications_by_status{status="delivered",function="gateway"} 8');
  });
});

import { describe, expect, it, vi } from 'vitest';
import { AppError } from '../errors.js';
import { createLogger } from '../logging/logger.js';
import { createMemoryQueue } from '../queue/memory-queue.js';
import { done, retry } from '../queue/queue.js';
import { emailMessage, pushMessage } from '../queue/testing/fixtures.js';
import { withQueueMetrics } from './queue-metrics.js';
import { createMetricsRegistry } from './registry.js';
import { sampleOf as value } from './testing.js';

const logger = createLogger({ level: 'silent', name: 'test' });
const policies = {
  email: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
  push: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
};

describe('withQueueMetrics', () => {
  it('counts published, consumed, retried and dead-lettered messages per routing key on the memory queue', async () => {
    const registry = createMetricsRegistry({ function: 'test', processMetrics: false });
    const queue = withQueueMetrics(createMemoryQueue({ logger, policies }), registry, { policies });
    // email: every delivery asks for a retry; maxAttempts 2 -> one retry, then the dead letter
    await queue.consume('email', async () => retry('smtp 451'));
    // push: the first delivery throws a retryable error, the second succeeds
    await queue.consume('push', async (_m, delivery) => {
      if (delivery.attempt === 1) throw new AppError('provider_down', 503, 'down', { retryable: true });
      return done();
    });

    await queue.publish('email', emailMessage());
    await queue.publishMany('push', [pushMessage()]);

    await vi.waitFor(async () => {
      expect(await value(registry, 'queue_messages_dead_lettered_total', { key: 'email' })).toBe(1);
      expect(await value(registry, 'queue_messages_consumed_total', { key: 'push' })).toBe(2);
    });
    expect(await value(registry, 'queue_messages_published_total', { key: 'email' })).toBe(1);
    expect(await value(registry, 'queue_messages_published_total', { key: 'push' })).toBe(1);
    expect(await value(registry, 'queue_messages_consumed_total', { key: 'email' })).toBe(2);
    expect(await value(registry, 'queue_messages_retried_total', { key: 'email' })).toBe(1);
    expect(await value(registry, 'queue_messages_retried_total', { key: 'push' })).toBe(1);
    expect(await value(registry, 'queue_messages_dead_lettered_total', { key: 'push' })).toBeUndefined();

    const text = await registry.metrics();
    expect(text).toMatch(/queue_dead_letter_depth\{function="test"\} 1/);
    expect(text).toMatch(/queue_depth\{key="email",function="test"\} 0/);
    expect(text).toMatch(/queue_stats_up\{function="test"\} 1/);
    // lag is measured from the published-at stamp, on first deliveries only
    expect(await value(registry, 'queue_consumer_lag_seconds', { key: 'email' }, 'queue_consumer_lag_seconds_count')).toBe(1);
    await queue.close();
  });

  it('reads depth from stats() on scrape and counts a publish the broker refused', async () => {
    const registry = createMetricsRegistry({ function: 'test', processMetrics: false });
    const inner = createMemoryQueue({ logger });
    const queue = withQueueMetrics(inner, registry);
    await queue.publish('status', {
      notification_id: crypto.randomUUID(),
      status: 'delivered',
      channel: 'email',
      timestamp: new Date().toISOString(),
      attempt: 1,
    });
    expect(await registry.metrics()).toMatch(/queue_depth\{key="status",function="test"\} 1/);
    await inner.close();
    await expect(queue.publish('email', emailMessage())).rejects.toThrow();
    expect(await value(registry, 'queue_publish_failures_total', { key: 'email' })).toBe(1);
  });
});

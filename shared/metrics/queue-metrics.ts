import { Counter, Gauge, Histogram } from 'prom-client';
import { type RetryPolicy, ROUTING_KEYS, type RoutingKey, retryPolicies } from '../messages.js';
import type { Handler, Outcome, PublishOptions, Queue, QueueStats } from '../queue/queue.js';
import { decide, outcomeOfError } from '../queue/settle.js';
import { type MetricsRegistry, metricOf } from './registry.js';

/** Header the decorator stamps on published messages (epoch ms) to measure consumer lag. */
export const PUBLISHED_AT_HEADER = 'published-at';

/** Lag buckets in seconds: 10 ms .. 1 h. */
export const LAG_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

const STATS_TIMEOUT_MS = 2_000;

export interface QueueMetricsOptions {
  /** Time source (ms), for tests. */
  now?: () => number;
  /** The retry policy overrides the adapter was built with (tests), so retried and dead-lettered are told apart the same way. */
  policies?: Partial<Record<RoutingKey, Partial<RetryPolicy>>>;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`queue stats: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Decorate a {@link Queue} with Prometheus metrics in `registry`:
 * - counters per routing key: `queue_messages_published_total`,
 *   `queue_messages_consumed_total` (deliveries handed to a handler),
 *   `queue_messages_retried_total`, `queue_messages_dead_lettered_total`
 *   (decided the way `settle.ts` decides, the policy's last attempt included);
 * - `queue_handler_duration_seconds` and `queue_consumer_lag_seconds`
 *   (publish to first delivery, from a `published-at` header it stamps);
 * - gauges read from `queue.stats()` on each scrape: `queue_depth`,
 *   `queue_in_flight`, `queue_dead_letter_depth`, and `queue_stats_up`
 *   (0 when the broker did not answer).
 *
 * Counts are per process: what THIS function published and consumed.
 * Messages that fail the catalog schema are dead-lettered by the adapter
 * before any handler runs and are not counted here.
 */
export function withQueueMetrics(queue: Queue, registry: MetricsRegistry, options: QueueMetricsOptions = {}): Queue {
  const now = options.now ?? Date.now;
  const policies = retryPolicies(options.policies);
  const registers = [registry];
  const keyCounter = (name: string, help: string) =>
    metricOf(registry, name, () => new Counter({ name, help, labelNames: ['key'] as const, registers }));
  const published = keyCounter('queue_messages_published_total', 'Messages published, by routing key');
  const publishFailures = keyCounter('queue_publish_failures_total', 'Publishes the broker did not confirm, by routing key');
  const consumed = keyCounter('queue_messages_consumed_total', 'Deliveries handed to a handler, by routing key');
  const retried = keyCounter('queue_messages_retried_total', 'Deliveries that will be retried, by routing key');
  const deadLettered = keyCounter(
    'queue_messages_dead_lettered_total',
    'Deliveries sent to the dead-letter queue by a handler outcome, by routing key',
  );
  const handlerDuration = metricOf(
    registry,
    'queue_handler_duration_seconds',
    () =>
      new Histogram({
        name: 'queue_handler_duration_seconds',
        help: 'Time a handler took per delivery, by routing key and outcome',
        labelNames: ['key', 'outcome'] as const,
        buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers,
      }),
  );
  const lag = metricOf(
    registry,
    'queue_consumer_lag_seconds',
    () =>
      new Histogram({
        name: 'queue_consumer_lag_seconds',
        help: 'Time from publish to first delivery, by routing key (consumer lag)',
        labelNames: ['key'] as const,
        buckets: LAG_BUCKETS,
        registers,
      }),
  );

  let last: Promise<QueueStats> | undefined;
  // one stats() call per scrape, shared by the gauges below
  const stats = () =>
    (last ??= withTimeout(queue.stats(), STATS_TIMEOUT_MS).finally(() => setTimeout(() => (last = undefined), 0)));
  metricOf(
    registry,
    'queue_stats_up',
    () =>
      new Gauge({
        name: 'queue_stats_up',
        help: '1 when the broker answered the stats call of this scrape, else 0',
        registers,
        async collect() {
          this.set(
            await stats().then(
              () => 1,
              () => 0,
            ),
          );
        },
      }),
  );
  const keyGauge = (name: string, help: string, read: (s: QueueStats, key: RoutingKey) => number) =>
    metricOf(
      registry,
      name,
      () =>
        new Gauge({
          name,
          help,
          labelNames: ['key'] as const,
          registers,
          async collect() {
            try {
              const s = await stats();
              for (const key of ROUTING_KEYS) this.set({ key }, read(s, key));
            } catch {
              // queue_stats_up says the values are stale
            }
          },
        }),
    );
  keyGauge('queue_depth', 'Messages waiting to be consumed, by routing key', (s, key) => s.keys[key].depth);
  keyGauge(
    'queue_in_flight',
    'Messages taken by this process and not yet settled, by routing key',
    (s, key) => s.keys[key].inFlight,
  );
  metricOf(
    registry,
    'queue_dead_letter_depth',
    () =>
      new Gauge({
        name: 'queue_dead_letter_depth',
        help: 'Messages now in the dead-letter queue (every key together)',
        registers,
        async collect() {
          try {
            this.set((await stats()).deadLetterDepth);
          } catch {
            // queue_stats_up says why the value is stale
          }
        },
      }),
  );

  const stamp = (options?: PublishOptions): PublishOptions => ({
    ...options,
    headers: { [PUBLISHED_AT_HEADER]: String(now()), ...options?.headers },
  });
  const counted = async <T>(key: RoutingKey, n: number, publish: () => Promise<T>): Promise<T> => {
    try {
      const result = await publish();
      published.inc({ key }, n);
      return result;
    } catch (error) {
      publishFailures.inc({ key }, n);
      throw error;
    }
  };

  function instrument<K extends RoutingKey>(key: K, handler: Handler<K>): Handler<K> {
    const policy = policies[key];
    return async function measuredHandler(message, delivery) {
      consumed.inc({ key });
      const sentAt = Number(delivery.headers[PUBLISHED_AT_HEADER]);
      if (delivery.attempt === 1 && Number.isFinite(sentAt) && sentAt > 0)
        lag.observe({ key }, Math.max(0, now() - sentAt) / 1000);
      const started = performance.now();
      let outcome: Outcome;
      try {
        outcome = await handler(message, delivery);
      } catch (error) {
        outcome = outcomeOfError(error);
        record(outcome);
        throw error;
      }
      record(outcome);
      return outcome;

      function record(result: Outcome) {
        const action = decide(result, delivery.attempt, policy, 0).action;
        if (action === 'retry') retried.inc({ key });
        if (action === 'dead_letter') deadLettered.inc({ key });
        handlerDuration.observe({ key, outcome: action }, (performance.now() - started) / 1000);
      }
    };
  }

  const inner = queue.transactional;
  return {
    ...(inner
      ? {
          transactional: {
            db: inner.db,
            publishMany: (tx, key, messages, opts) =>
              counted(key, messages.length, () => inner.publishMany(tx, key, messages, stamp(opts))),
          },
        }
      : {}),
    publish: (key, message, opts) => counted(key, 1, () => queue.publish(key, message, stamp(opts))),
    publishMany: (key, messages, opts) => counted(key, messages.length, () => queue.publishMany(key, messages, stamp(opts))),
    consume: (key, handler, opts) => queue.consume(key, instrument(key, handler), opts),
    stats: () => queue.stats(),
    get deadLetters() {
      return queue.deadLetters;
    },
    ping: () => queue.ping(),
    close: () => queue.close(),
  };
}

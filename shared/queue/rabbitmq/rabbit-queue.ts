import type { AmqpQueueType } from '../../config.js';
import type { Logger } from '../../logging/logger.js';
import { type RetryPolicy, ROUTING_KEYS, type RoutingKey, retryPolicies } from '../../messages.js';
import { messageTraceHeaders } from '../../tracing/message-trace.js';
import { createKeyCounters } from '../key-counters.js';
import { type Consumer, type PublishOptions, type Queue, QueueUnavailableError } from '../queue.js';
import { HEADER, userHeaders } from '../wire.js';
import { createRabbitConnection } from './connection.js';
import { createRabbitConsumer, type RabbitConsumer } from './consumer.js';
import { createRabbitDeadLetters } from './dead-letters.js';
import { createRabbitPublisher, messageProps } from './publisher.js';
import { declareTopology, rabbitTopology } from './topology.js';

export interface RabbitQueueOptions {
  /** amqp://user:pass@host:port/vhost */
  url: string;
  logger: Logger;
  /** Prefix of every exchange and queue name, so several deployments or test files share one vhost. */
  prefix?: string;
  /** `classic` (default): one priority queue per key. `quorum`: replicated queues, one per key and priority band. */
  queueType?: AmqpQueueType;
  /** Override retry policies of the catalog (tests shorten the delays). */
  policies?: Partial<Record<RoutingKey, Partial<RetryPolicy>>>;
  /** Jitter source, for tests. */
  random?: () => number;
  /** Unsettled deliveries (its consumer died each time) after which a message is dead-lettered as poison. Default 5. */
  deliveryLimit?: number;
  /** How long a publish (or a new consumer) waits for a connection before failing loudly. Default 30 s. */
  publishTimeoutMs?: number;
  /** Reconnect backoff: first delay and cap. Defaults 100 ms and 5 s. */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Shown in the broker's connection list (and used by tests to close exactly this connection). */
  connectionName?: string;
}

/**
 * {@link Queue} on RabbitMQ (amqplib), the seed's topology, composed of
 * small parts: the connection (`connection.ts`), the names and declarations
 * (`topology.ts`), publishing (`publisher.ts`), one consumer per key
 * (`consumer.ts`) and the dead-letter tools (`dead-letters.ts`).
 *
 * - direct exchange `notifications.direct`; durable classic queues
 *   `email.queue`, `push.queue`, `status.queue` bound by routing key, with
 *   `x-max-priority` (three bands, see `brokerPriority`) so `priority` is honoured.
 * - or, with `queueType: 'quorum'`, replicated quorum queues: they keep no
 *   priorities, so each key has one queue per band (`email.queue`,
 *   `email.normal.queue`, `email.high.queue`, routing keys `email`,
 *   `email.normal`, `email.high`), read by one consumer that hands the higher
 *   band out first; the broker counts deliveries and dead-letters a poison
 *   message at `x-delivery-limit`, at-least-once. Wait queues and
 *   `failed.queue` are quorum queues too. A vhost cannot switch types in
 *   place: RabbitMQ refuses to redeclare a queue with another type, so a
 *   switch takes a new `prefix` (or the old queues drained and deleted).
 * - `failed.queue` behind the fanout dead-letter exchange `notifications.dlx`:
 *   the main queues dead-letter there too, so nothing the broker rejects is lost.
 * - persistent messages, publisher confirms (a publish resolves only once the
 *   broker has it), prefetch = consumer concurrency, manual acks.
 * - delayed retries through the broker: the message is republished to a wait
 *   queue `<key>.wait.<ms>` whose TTL dead-letters it back to the exchange,
 *   the attempt count travels in the `x-attempt` header, and only then is the
 *   original acked, so a crash at any point leaves a copy on the broker.
 * - reconnects with backoff after a dropped connection or broker restart,
 *   re-declares the topology and re-attaches consumers. Publishes made while
 *   disconnected wait for the connection (up to `publishTimeoutMs`) and are
 *   re-sent when the connection dropped before their confirm; past the
 *   deadline they reject with {@link QueueUnavailableError}. Never silently
 *   dropped, but a message may arrive twice.
 * - poison messages (their consumer dies each time) are dead-lettered after
 *   `deliveryLimit` deliveries (see `consumer.ts`).
 */
export function createRabbitQueue(options: RabbitQueueOptions): Queue {
  const { logger } = options;
  const names = rabbitTopology(options.prefix, options.queueType);
  const policies = retryPolicies(options.policies);
  const random = options.random ?? Math.random;
  const publishTimeoutMs = options.publishTimeoutMs ?? 30_000;
  const deliveryLimit = options.deliveryLimit ?? 5;
  const counters = createKeyCounters();
  const consumers = new Set<RabbitConsumer>();

  const connection = createRabbitConnection({
    url: options.url,
    logger,
    connectionName: options.connectionName ?? `notifications${options.prefix ? `:${options.prefix}` : ''}`,
    publishTimeoutMs,
    reconnect: {
      initialDelayMs: options.reconnect?.initialDelayMs ?? 100,
      maxDelayMs: options.reconnect?.maxDelayMs ?? 5_000,
    },
    declare: (channel) => declareTopology(channel, names, { deliveryLimit }),
    onSession: async (s) => {
      await Promise.all(
        [...consumers].map((c) =>
          c.attach(s).catch((err: unknown) => logger.error({ err }, 'rabbitmq consumer re-attach failed')),
        ),
      );
    },
  });
  const publisher = createRabbitPublisher(connection, names);

  const publishOne = (key: RoutingKey, message: object, publishOptions: PublishOptions = {}) => {
    if (connection.closed) return Promise.reject(new QueueUnavailableError('queue is closed'));
    // trace context as AMQP headers (`traceparent`), so consumers continue the publisher's trace
    const headers = { ...messageTraceHeaders(message), ...userHeaders(publishOptions.headers), [HEADER.attempt]: 1 };
    return publisher.toKey(key, Buffer.from(JSON.stringify(message)), messageProps(message, headers), publishOptions.delayMs);
  };

  return {
    publish: (key, message, publishOptions) => publishOne(key, message, publishOptions),
    async publishMany(key, messages, publishOptions) {
      await Promise.all(messages.map((message) => publishOne(key, message, publishOptions)));
    },
    async consume(key, handler, consumeOptions = {}) {
      const consumer = createRabbitConsumer({
        key,
        handler,
        concurrency: Math.max(1, consumeOptions.concurrency ?? 10),
        queueNames: names.queues(key).map((q) => q.name),
        brokerCountsDeliveries: names.type === 'quorum',
        logger,
        policy: policies[key],
        random,
        deliveryLimit,
        publisher,
        counters,
        lose: connection.lose,
      });
      const s = await connection.session();
      consumers.add(consumer);
      try {
        await consumer.attach(s);
      } catch (err) {
        // a connection lost mid-attach re-attaches it on reconnect; anything else is the caller's to know
        if (s.alive) {
          consumers.delete(consumer);
          throw err;
        }
      }
      return {
        stop: async () => {
          consumers.delete(consumer);
          await consumer.stop();
        },
      } satisfies Consumer;
    },
    stats: () =>
      connection.withChannel(async (channel) => {
        const depth = {} as Record<RoutingKey, number>;
        for (const key of ROUTING_KEYS) {
          // delivered to a consumer here but not yet handed to its handler: still waiting
          depth[key] = [...consumers].reduce((n, c) => n + (c.key === key ? c.waiting() : 0), 0);
          for (const queue of names.queues(key)) depth[key] += (await channel.checkQueue(queue.name)).messageCount;
        }
        const deadLetterDepth = (await channel.checkQueue(names.failedQueue)).messageCount;
        return { keys: counters.snapshot(depth), deadLetterDepth };
      }),
    deadLetters: createRabbitDeadLetters({ names, deliveryLimit, connection, publisher, logger, timeoutMs: publishTimeoutMs }),
    async ping() {
      if (!connection.connected) throw new QueueUnavailableError('RabbitMQ is not connected');
    },
    async close() {
      if (connection.closed) return;
      await Promise.all([...consumers].map((c) => c.stop()));
      consumers.clear();
      await connection.close();
    },
  };
}

import amqp, { type Channel, type Options } from 'amqplib';
import type { AmqpQueueType } from '../../config.js';
import { ROUTING_KEYS, type RoutingKey } from '../../messages.js';
import { deadLetterLockQueue } from './dead-letter-lock.js';

/**
 * Priority bands the broker keeps. RabbitMQ pays per priority level (a
 * sub-queue each), so the catalog's 0..MAX_PRIORITY maps onto three bands:
 * low (0-3), normal (4-6), high (7-10). Order within a band is FIFO.
 */
export const BROKER_PRIORITY_BANDS = 2;

/** The broker band (0..BROKER_PRIORITY_BANDS) of a catalog priority (0..MAX_PRIORITY). */
export function brokerPriority(priority: number): number {
  return priority >= 7 ? 2 : priority >= 4 ? 1 : 0;
}

// Quorum queues keep no priorities: each band is a queue of its own, reached by a routing key of its own.
// Band 0 keeps the plain names (`email.queue`, routing key `email`), where messages without a priority go too.
const BAND_SUFFIX = ['', '.normal', '.high'] as const;

/**
 * Names of everything the adapter declares, for one prefix and queue type.
 * Classic: one queue per key, `<key>.queue`. Quorum: one queue per key and
 * band, `<key>.queue`, `<key>.normal.queue`, `<key>.high.queue`, bound by
 * the routing keys `<key>`, `<key>.normal`, `<key>.high`.
 */
export function rabbitTopology(prefix = '', type: AmqpQueueType = 'classic') {
  const bands = type === 'quorum' ? [2, 1, 0] : [0];
  /** The routing key of `key`'s messages in `band` (classic: the key, whatever the band). */
  const routingKey = (key: RoutingKey, band = 0) => (type === 'quorum' ? `${key}${BAND_SUFFIX[band] ?? ''}` : key);
  return {
    type,
    exchange: `${prefix}notifications.direct`,
    deadLetterExchange: `${prefix}notifications.dlx`,
    /** The key's queue (quorum: that of band 0). */
    queue: (key: RoutingKey) => `${prefix}${key}.queue`,
    routingKey,
    /** The key's queues, highest band first (classic: one), with the band and routing key of each. */
    queues: (key: RoutingKey) =>
      bands.map((band) => ({ band, name: `${prefix}${routingKey(key, band)}.queue`, routingKey: routingKey(key, band) })),
    /** The catalog key of a routing key the adapter published under (a band's included). */
    keyOf: (routing: unknown): RoutingKey | undefined =>
      ROUTING_KEYS.find((key) => bands.some((band) => routingKey(key, band) === routing)),
    failedQueue: `${prefix}failed.queue`,
    waitQueue: (key: RoutingKey, delayMs: number, band = 0) => `${prefix}${routingKey(key, band)}.wait.${delayMs}`,
  };
}

export type RabbitTopology = ReturnType<typeof rabbitTopology>;

/**
 * Delete the exchanges, key queues and failed.queue the adapter declared
 * under `prefix`, with what they hold (benchmarks and tests that used a
 * prefix of their own; wait queues are left to expire empty).
 */
export async function dropRabbitTopology(url: string, prefix: string): Promise<void> {
  // the quorum names include the classic ones; deleting a queue that is not there is no error
  const names = rabbitTopology(prefix, 'quorum');
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    for (const key of ROUTING_KEYS) for (const queue of names.queues(key)) await channel.deleteQueue(queue.name);
    await channel.deleteQueue(names.failedQueue);
    await channel.deleteQueue(deadLetterLockQueue(names.failedQueue));
    await channel.deleteExchange(names.exchange);
    await channel.deleteExchange(names.deadLetterExchange);
  } finally {
    await connection.close();
  }
}

/**
 * Arguments every quorum queue holding messages gets: dead letters move
 * at-least-once (kept in the source queue until `failed.queue` confirms
 * them; RabbitMQ needs `reject-publish` overflow for that).
 */
const QUORUM_ARGUMENTS = {
  'x-queue-type': 'quorum',
  'x-dead-letter-strategy': 'at-least-once',
  'x-overflow': 'reject-publish',
} as const;

// Listing dead letters gives them back by closing its channel, and a quorum queue counts each such return as
// a delivery; RabbitMQ 4 drops a message after 20 by default, so failed.queue's limit is put out of reach.
const FAILED_QUEUE_DELIVERY_LIMIT = 2 ** 31 - 1;

/** How the adapter declares what holds messages, per queue type. */
export interface TopologySettings {
  /** Handler deliveries of a message whose consumer dies each time before it is dead-lettered (quorum: `x-delivery-limit`). */
  deliveryLimit: number;
}

/**
 * Declare the exchanges, the key queues (bound by routing key) and
 * `failed.queue` behind the dead-letter exchange. Idempotent: run on every
 * (re)connect. Classic key queues carry `x-max-priority`; quorum ones (one
 * per band) carry `x-delivery-limit`, so the broker itself dead-letters a
 * message whose consumer died on it too often.
 */
export async function declareTopology(channel: Channel, names: RabbitTopology, settings: TopologySettings): Promise<void> {
  const quorum = names.type === 'quorum';
  await channel.assertExchange(names.exchange, 'direct', { durable: true });
  await channel.assertExchange(names.deadLetterExchange, 'fanout', { durable: true });
  await channel.assertQueue(names.failedQueue, {
    durable: true,
    ...(quorum ? { arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': FAILED_QUEUE_DELIVERY_LIMIT } } : {}),
  });
  await channel.bindQueue(names.failedQueue, names.deadLetterExchange, '');
  for (const key of ROUTING_KEYS) {
    for (const queue of names.queues(key)) {
      await channel.assertQueue(queue.name, {
        durable: true,
        arguments: quorum
          ? {
              ...QUORUM_ARGUMENTS,
              'x-dead-letter-exchange': names.deadLetterExchange,
              // the broker counts returns, not deliveries: the n-th death is the (n-1)-th return
              'x-delivery-limit': Math.max(0, settings.deliveryLimit - 1),
            }
          : { 'x-max-priority': BROKER_PRIORITY_BANDS, 'x-dead-letter-exchange': names.deadLetterExchange },
      });
      await channel.bindQueue(queue.name, names.exchange, queue.routingKey);
    }
  }
}

// Retry delays snap up to a geometric grid (ratio 1.25): every wait queue has ONE TTL, so messages in it
// expire strictly in order (per-message TTLs only expire at the head of a queue), and the number of wait
// queues stays small (about ten per factor of ten) whatever delays the policies and handlers ask for.
const DELAY_GRID = 1.25;
export function delayLevelMs(delayMs: number): number {
  if (delayMs < 1) return 0;
  return Math.max(1, Math.round(DELAY_GRID ** Math.ceil(Math.log(delayMs) / Math.log(DELAY_GRID) - 1e-9)));
}

/**
 * The wait queue of one delay level (and band): its TTL dead-letters every
 * message back to the band's routing key through the exchange. With quorum
 * queues it is a quorum queue too, so a retry waiting out its delay is
 * replicated like everything else.
 */
export function waitQueueOptions(names: RabbitTopology, key: RoutingKey, level: number, band = 0): Options.AssertQueue {
  return {
    durable: true,
    arguments: {
      ...(names.type === 'quorum' ? QUORUM_ARGUMENTS : {}),
      'x-message-ttl': level,
      'x-dead-letter-exchange': names.exchange,
      'x-dead-letter-routing-key': names.routingKey(key, band),
    },
  };
}

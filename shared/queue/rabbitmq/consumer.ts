import type { Channel, ConsumeMessage, Message, Options } from 'amqplib';
import type { Logger } from '../../logging/logger.js';
import type { RetryPolicy, RoutingKey } from '../../messages.js';
import { createIdleWaiter, type KeyCounters } from '../key-counters.js';
import type { Delivery, Handler } from '../queue.js';
import { poisonReason, type Settlement, settle } from '../settle.js';
import { HEADER, publicHeaders } from '../wire.js';
import { createBandDispatcher } from './band-dispatcher.js';
import type { Session } from './connection.js';
import type { RabbitPublisher } from './publisher.js';

export interface RabbitConsumerDeps<K extends RoutingKey> {
  key: K;
  handler: Handler<K>;
  /** Prefetch: messages handled at once. */
  concurrency: number;
  /** The queues it consumes, highest band first: one classic queue, or a quorum queue per band. */
  queueNames: string[];
  /** Quorum queues count deliveries and dead-letter at `x-delivery-limit` themselves. */
  brokerCountsDeliveries: boolean;
  logger: Logger;
  policy: RetryPolicy;
  random: () => number;
  /** Unsettled deliveries after which a message is dead-lettered as poison. */
  deliveryLimit: number;
  publisher: RabbitPublisher;
  counters: KeyCounters;
  /** Give up the session (a consumer channel closed alone) so the connection reconnects. */
  lose(session: Session, reason: string): void;
}

/** A consumer that survives reconnects: attached again to every new session. */
export interface RabbitConsumer {
  readonly key: RoutingKey;
  attach(session: Session): Promise<void>;
  stop(): Promise<void>;
  /** Messages delivered to this process and not yet handed to the handler (band queues only). */
  waiting(): number;
}

interface Attachment {
  channel: Channel;
  tags: string[];
  alive: boolean;
}

interface Taken {
  msg: Message;
  on: Attachment;
}

/**
 * Consume one key's queue on a channel of its own with prefetch =
 * concurrency and manual acks, and carry out `settle`'s decision: ack, retry
 * through a wait queue (published, then the original acked, so a crash
 * leaves a copy), or dead-letter.
 *
 * Several queues (quorum: one per priority band) are read on one channel
 * and handed to the handler higher band first (see `band-dispatcher.ts`).
 *
 * Poison messages: classic queues count no deliveries, so a redelivered
 * message (its consumer died holding it) is put back as a copy carrying the
 * count in `x-deliveries` (confirmed before the original is acked); once the
 * count reaches `deliveryLimit` it is dead-lettered instead, never reaching a
 * handler again. Quorum queues count them themselves (`x-delivery-limit`).
 */
export function createRabbitConsumer<K extends RoutingKey>(deps: RabbitConsumerDeps<K>): RabbitConsumer {
  const { key, handler, concurrency, logger, deliveryLimit, publisher, counters, queueNames } = deps;
  const settleDeps = { logger, policy: deps.policy, random: deps.random };
  let active = 0;
  let stopped = false;
  let current: Attachment | undefined;
  const idle = createIdleWaiter(() => active === 0);

  const carryOut = async (settlement: Settlement, msg: Message, on: Pick<Attachment, 'channel' | 'alive'>) => {
    // the channel died under the handler: the broker gives the message to another consumer, so do nothing more
    if (!on.alive) return;
    const headers = msg.properties.headers ?? {};
    if (settlement.action === 'retry') {
      await publisher.toKey(
        key,
        msg.content,
        {
          ...msg.properties,
          persistent: true,
          headers: { ...headers, [HEADER.attempt]: settlement.nextAttempt },
        } as Options.Publish,
        Math.max(1, settlement.delayMs),
      );
    } else if (settlement.action === 'dead_letter') {
      await publisher.toDeadLetters(key, msg.content, {
        ...(msg.properties as Options.Publish),
        persistent: true,
        headers: {
          ...headers,
          [HEADER.key]: key,
          [HEADER.reason]: settlement.reason,
          [HEADER.failedAt]: new Date().toISOString(),
        },
      });
      counters.deadLettered(key);
    }
    if (on.alive) on.channel.ack(msg);
  };

  /** A redelivered message counts one more unsettled delivery: put back with the count, or dead-lettered at the limit. */
  const countRedelivery = async (msg: Message, on: Pick<Attachment, 'channel' | 'alive'>) => {
    const headers = msg.properties.headers ?? {};
    const unsettled = (Number(headers[HEADER.deliveries]) || 0) + 1;
    if (unsettled >= deliveryLimit) {
      logger.error(
        { routing_key: key, message_id: msg.properties.messageId, reason: poisonReason(deliveryLimit) },
        'queue message dead-lettered',
      );
      await carryOut({ action: 'dead_letter', reason: poisonReason(deliveryLimit) }, msg, on);
      return;
    }
    await publisher.toKey(key, msg.content, {
      ...(msg.properties as Options.Publish),
      persistent: true,
      headers: { ...headers, [HEADER.deliveries]: unsettled },
    });
    if (on.alive) on.channel.ack(msg);
  };

  // one async function per message (not a promise chain): fewer allocations on the hot path
  const run = async (msg: Message, delivery: Delivery, on: Pick<Attachment, 'channel' | 'alive'>) => {
    try {
      if (msg.fields.redelivered && !deps.brokerCountsDeliveries) return await countRedelivery(msg, on);
      const settlement = await settle(key, msg.content.toString('utf8'), delivery, handler, settleDeps);
      if (settlement.action === 'ack') {
        if (on.alive) on.channel.ack(msg);
      } else {
        await carryOut(settlement, msg, on);
      }
    } catch (err) {
      // could not retry or dead-letter it: hand it back so it is not stuck unacked on a live channel
      logger.error({ err, routing_key: key, message_id: delivery.id }, 'queue message could not be settled; requeued');
      try {
        if (on.alive) on.channel.nack(msg, false, true);
      } catch {
        // the channel closed meanwhile: the broker requeues it anyway
      }
    } finally {
      active--;
      counters.settled(key);
      idle.notify();
    }
  };

  /** Hand one taken message to the handler. */
  const start = (msg: Message, on: Attachment) => {
    counters.taken(key);
    const headers = msg.properties.headers ?? {};
    const attempt = Number(headers[HEADER.attempt]) || 1;
    const delivery = {
      id: String(msg.properties.messageId ?? msg.fields.deliveryTag),
      attempt,
      headers: publicHeaders(headers),
    };
    return run(msg, delivery, on);
  };

  const bands =
    queueNames.length > 1
      ? createBandDispatcher<Taken>({
          bands: queueNames.length,
          concurrency,
          run: async ({ msg, on }) => {
            if (on.alive) return start(msg, on);
            // its channel closed while it waited here: the broker has it back
            active--;
            idle.notify();
          },
          fetch: async (band) => {
            const on = current;
            if (!on?.alive) return undefined;
            const msg = await on.channel.get(queueNames[band]!, { noAck: false });
            if (!msg) return undefined;
            active++;
            return { msg, on };
          },
          fetching: () => !stopped,
        })
      : undefined;

  const onMessage = (msg: ConsumeMessage | null, on: Attachment, band: number) => {
    if (msg === null) {
      logger.warn({ routing_key: key }, 'rabbitmq cancelled the consumer (queue deleted?)');
      return;
    }
    active++;
    if (bands) bands.push(band, { msg, on });
    else void start(msg, on);
  };

  return {
    key,
    async attach(s) {
      if (stopped) return;
      const channel = await s.connection.createChannel();
      const on: Attachment = { channel, tags: [], alive: true };
      channel.on('error', (err: Error) => logger.warn({ err, routing_key: key }, 'rabbitmq consumer channel error'));
      channel.on('close', () => {
        on.alive = false;
        bands?.wake();
        // a channel closed alone (connection still up) would leave this consumer deaf: reconnect it
        if (!stopped && s.alive && current === on) deps.lose(s, 'consumer channel closed');
      });
      // per consumer (quorum queues have no per-channel prefetch): each band alone may fill every slot
      await channel.prefetch(concurrency);
      current = on;
      // highest band first, so its backlog is the first to arrive
      for (const [band, queue] of queueNames.entries()) {
        on.tags.push((await channel.consume(queue, (msg) => onMessage(msg, on, band), { noAck: false })).consumerTag);
      }
    },
    async stop() {
      if (stopped) return idle.wait();
      stopped = true;
      const on = current;
      if (on?.alive) for (const tag of on.tags) await on.channel.cancel(tag).catch(() => {});
      await idle.wait();
      if (on?.alive) {
        on.alive = false;
        await on.channel.close().catch(() => {});
      }
    },
    waiting: () => bands?.waiting ?? 0,
  };
}

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConfirmChannel, GetMessage } from 'amqplib';
import type { Logger } from '../../logging/logger.js';
import type { RoutingKey } from '../../messages.js';
import type { DeadLetter, DeadLetterTools } from '../queue.js';
import { poisonReason } from '../settle.js';
import { HEADER, parseBody, publicHeaders, routingKeyOf } from '../wire.js';
import type { RabbitConnection } from './connection.js';
import { createDeadLetterLock, deadLetterLockQueue } from './dead-letter-lock.js';
import { messageProps, type RabbitPublisher } from './publisher.js';
import type { RabbitTopology } from './topology.js';

export interface RabbitDeadLettersDeps {
  names: RabbitTopology;
  /** The adapter's poison limit, named in the reason of letters the broker dead-lettered at `x-delivery-limit`. */
  deliveryLimit: number;
  connection: RabbitConnection;
  publisher: RabbitPublisher;
  logger: Logger;
  /** How long to wait for the connection and for the dead-letter lock. */
  timeoutMs: number;
}

/**
 * A message of `failed.queue` as a {@link DeadLetter}: our headers first,
 * else what the broker's `x-death` says (a quorum queue's `delivery_limit`
 * is the adapter's poison reason).
 */
export function toDeadLetter(msg: GetMessage, names: RabbitTopology, deliveryLimit: number): DeadLetter {
  const headers = msg.properties.headers ?? {};
  const death = (headers['x-death'] as Array<Record<string, unknown>> | undefined)?.[0];
  const deathKey = (death?.['routing-keys'] as unknown[] | undefined)?.[0];
  const deathTime = death?.time as { value?: number } | Date | undefined;
  const deathReason = !death
    ? 'unknown'
    : death.reason === 'delivery_limit'
      ? poisonReason(deliveryLimit)
      : `${String(death.reason)} from ${String(death.queue)}`;
  return {
    id: String(msg.properties.messageId ?? ''),
    key: routingKeyOf(headers[HEADER.key]) ?? names.keyOf(deathKey),
    reason: String(headers[HEADER.reason] ?? deathReason),
    attempts: Number(headers[HEADER.attempt]) || 1,
    failedAt:
      typeof headers[HEADER.failedAt] === 'string'
        ? (headers[HEADER.failedAt] as string)
        : deathTime instanceof Date
          ? deathTime.toISOString()
          : typeof deathTime?.value === 'number'
            ? new Date(deathTime.value * 1000).toISOString()
            : undefined,
    headers: publicHeaders(headers),
    body: parseBody(msg.content.toString('utf8')),
  };
}

/** {@link DeadLetterTools} over `failed.queue`, every list and redrive under the dead-letter lock. */
export function createRabbitDeadLetters(deps: RabbitDeadLettersDeps): DeadLetterTools {
  const { names, connection, publisher, logger, timeoutMs, deliveryLimit } = deps;

  const deadLetterLock = createDeadLetterLock({
    lockQueue: deadLetterLockQueue(names.failedQueue),
    connection: async () => (await connection.session()).connection,
    timeoutMs,
  });

  /**
   * A quorum queue takes back what a closed channel held a moment after the
   * close: wait (a while at most) until failed.queue counts again every
   * letter there was but those removed, so the next list or redrive sees them.
   */
  const returned = async (expected: number) => {
    const deadline = Date.now() + Math.min(timeoutMs, 5_000);
    for (let pauseMs = 1; Date.now() < deadline; pauseMs = Math.min(pauseMs * 2, 50)) {
      const ready = await connection.withChannel(async (c) => (await c.checkQueue(names.failedQueue)).messageCount);
      if (ready >= expected) return;
      await sleep(pauseMs);
    }
    logger.warn({ expected }, 'failed.queue has not taken back every listed dead letter yet');
  };

  /**
   * Take every dead letter on a private channel; closing it puts back
   * whatever was not acked, before the lock lets the next list or redrive in.
   */
  const withDeadLetters = <T>(
    work: (channel: ConfirmChannel, take: () => Promise<GetMessage | false>, remove: (msg: GetMessage) => void) => Promise<T>,
  ) =>
    deadLetterLock(async () => {
      const s = await connection.session();
      const channel = await s.connection.createConfirmChannel();
      channel.on('error', () => {});
      const quorum = names.type === 'quorum';
      const before = quorum ? (await channel.checkQueue(names.failedQueue)).messageCount : 0;
      let removed = 0;
      const remove = (msg: GetMessage) => {
        channel.ack(msg);
        removed++;
      };
      try {
        return await work(channel, () => channel.get(names.failedQueue, { noAck: false }), remove);
      } finally {
        await channel.close().catch(() => {});
        if (quorum) await returned(before - removed).catch(() => {});
      }
    });

  const redriveOne = async (msg: GetMessage, key: RoutingKey, remove: (msg: GetMessage) => void) => {
    const headers = { ...publicHeaders(msg.properties.headers), [HEADER.attempt]: 1 };
    const body = parseBody(msg.content.toString('utf8'));
    const props = messageProps(
      typeof body === 'object' && body !== null ? body : {},
      headers,
      String(msg.properties.messageId ?? randomUUID()),
    );
    await publisher.toKey(key, msg.content, props);
    remove(msg);
  };

  return {
    list: (limit = 100) =>
      withDeadLetters(async (_channel, take) => {
        const out: DeadLetter[] = [];
        while (out.length < limit) {
          const msg = await take();
          if (!msg) break;
          out.push(toDeadLetter(msg, names, deliveryLimit));
        }
        return out;
      }),
    redrive: (id) =>
      withDeadLetters(async (channel, take, remove) => {
        let count = 0;
        // only what is there now: a redriven message that fails again lands back in the queue behind us
        let remaining = (await channel.checkQueue(names.failedQueue)).messageCount;
        for (let msg = remaining > 0 ? await take() : false; msg; msg = --remaining > 0 ? await take() : false) {
          const letter = toDeadLetter(msg, names, deliveryLimit);
          if (id !== 'all' && letter.id !== id) continue;
          if (!letter.key) {
            logger.warn({ message_id: letter.id }, 'dead letter has no routing key; left in place');
            continue;
          }
          await redriveOne(msg, letter.key, remove);
          count++;
          if (id !== 'all') break;
        }
        return count;
      }),
    purge: () => connection.withChannel(async (channel) => (await channel.purgeQueue(names.failedQueue)).messageCount),
  };
}

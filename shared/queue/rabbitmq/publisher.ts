import { randomUUID } from 'node:crypto';
import type { Options } from 'amqplib';
import type { RoutingKey } from '../../messages.js';
import { priorityOf } from '../wire.js';
import type { RabbitConnection, Session } from './connection.js';
import { brokerPriority, delayLevelMs, type RabbitTopology, waitQueueOptions } from './topology.js';

/** Properties of a message as the adapter publishes it: persistent JSON with its broker priority band. */
export function messageProps(
  message: object,
  headers: Record<string, unknown>,
  messageId: string = randomUUID(),
): Options.Publish {
  return {
    persistent: true,
    contentType: 'application/json',
    messageId,
    priority: brokerPriority(priorityOf(message)),
    headers,
  };
}

/**
 * Where the adapter publishes: a routing key (now, or later through the wait
 * queue of the delay's level) and the dead-letter exchange. Every publish is
 * confirmed (see `RabbitConnection.publish`).
 */
export function createRabbitPublisher(connection: RabbitConnection, names: RabbitTopology) {
  const ensureWaitQueue = (s: Session, key: RoutingKey, level: number, band: number) => {
    const name = names.waitQueue(key, level, band);
    let declared = s.waitQueues.get(name);
    if (!declared) {
      declared = s.publisher.assertQueue(name, waitQueueOptions(names, key, level, band));
      s.waitQueues.set(name, declared);
    }
    return declared;
  };

  return {
    /**
     * Publish to `key` now, or through a wait queue when delayed. With quorum queues the message's
     * band (its `priority` property, see `messageProps`) picks the routing key, and so the band's queue.
     */
    toKey(key: RoutingKey, content: Buffer, props: Options.Publish, delayMs = 0): Promise<void> {
      const band = props.priority ?? 0;
      const level = delayLevelMs(delayMs);
      if (level === 0) return connection.publish(names.exchange, names.routingKey(key, band), content, props);
      return connection.publish('', names.waitQueue(key, level, band), content, props, (s) =>
        ensureWaitQueue(s, key, level, band),
      );
    },
    /** Publish to the dead-letter exchange (fanout to `failed.queue`). */
    toDeadLetters(key: RoutingKey, content: Buffer, props: Options.Publish): Promise<void> {
      return connection.publish(names.deadLetterExchange, key, content, props);
    },
  };
}

export type RabbitPublisher = ReturnType<typeof createRabbitPublisher>;

import { Redis } from 'ioredis';
import type { Logger } from '../../../shared/logging/logger.js';
import { createListenerSet, type InboxBus, type InboxEvent } from './inbox-bus.js';

export interface RedisInboxBusOptions {
  url: string;
  logger: Logger;
  /** Prefix of every channel name, so deployments sharing a Redis stay apart. */
  channelPrefix?: string;
}

/**
 * {@link InboxBus} on Redis pub/sub: one channel per user, subscribed while
 * this replica has a stream of that user open, so a replica receives only
 * the events of its own streams. One connection publishes, one subscribes
 * (a subscribed connection can do nothing else).
 */
export function createRedisInboxBus(options: RedisInboxBusOptions): InboxBus {
  const prefix = options.channelPrefix ?? 'notify:inbox:';
  const publisher = new Redis(options.url, { maxRetriesPerRequest: 2, enableAutoPipelining: true });
  const subscriber = new Redis(options.url, { maxRetriesPerRequest: 2 });
  // connection errors surface on the commands; ioredis reconnects and resubscribes by itself
  publisher.on('error', () => {});
  subscriber.on('error', () => {});
  const listeners = createListenerSet();
  // a user's SUBSCRIBE in flight: a second stream of that user waits for it too
  const subscribing = new Map<string, Promise<unknown>>();

  subscriber.on('message', (channel: string, text: string) => {
    if (!channel.startsWith(prefix)) return;
    let event: InboxEvent;
    try {
      event = JSON.parse(text) as InboxEvent;
    } catch (err) {
      options.logger.warn({ err, channel }, 'unreadable inbox event ignored');
      return;
    }
    listeners.emit(channel.slice(prefix.length), event);
  });

  return {
    async publish(userId, event) {
      await publisher.publish(prefix + userId, JSON.stringify(event));
    },
    async subscribe(userId, listener) {
      if (listeners.add(userId, listener)) {
        const pending = subscriber.subscribe(prefix + userId).finally(() => subscribing.delete(userId));
        subscribing.set(userId, pending);
        try {
          await pending;
        } catch (err) {
          listeners.remove(userId, listener);
          throw err;
        }
      } else {
        try {
          await subscribing.get(userId);
        } catch (err) {
          // the SUBSCRIBE this stream waited for failed: leave no listener behind, or the user's next stream
          // would find one and never subscribe
          listeners.remove(userId, listener);
          throw err;
        }
      }
      return async () => {
        if (listeners.remove(userId, listener)) await subscriber.unsubscribe(prefix + userId).catch(() => undefined);
      };
    },
    async close() {
      subscriber.disconnect();
      publisher.disconnect();
    },
  };
}

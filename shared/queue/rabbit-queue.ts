import { randomUUID } from 'node:crypto';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage, type GetMessage, type Options } from 'amqplib';
import type { Logger } from '../logging/logger.js';
import { messageTraceHeaders } from '../tracing/message-trace.js';
import { ROUTING_KEYS, retryPolicies, type RetryPolicy, type RoutingKey } from '../messages.js';
import { createIdleWaiter, createKeyCounters } from './key-counters.js';
import {
  QueueUnavailableError,
  type Consumer,
  type DeadLetter,
  type Delivery,
  type Handler,
  type PublishOptions,
  type Queue,
} from './queue.js';
import { settle, type Settlement } from './settle.js';
import { HEADER, parseBody, priorityOf, publicHeaders, routingKeyOf, userHeaders } from './wire.js';

export interface RabbitQueueOptions {
  /** amqp://user:pass@host:port/vhost */
  url: string;
  logger: Logger;
  /** Prefix of every exchange and queue name, so several deployments or test files share one vhost. */
  prefix?: string;
  /** Override retry policies of the catalog (tests shorten the delays). */
  policies?: Partial<Record<RoutingKey, Partial<RetryPolicy>>>;
  /** Jitter source, for tests. */
  random?: () => number;
  /** How long a publish (or a new consumer) waits for a connection before failing loudly. Default 30 s. */
  publishTimeoutMs?: number;
  /** Reconnect backoff: first delay and cap. Defaults 100 ms and 5 s. */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Shown in the broker's connection list (and used by tests to close exactly this connection). */
  connectionName?: string;
}

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

/** Names of everything the adapter declares, for one prefix. */
export function rabbitTopology(prefix = '') {
  return {
    exchange: `${prefix}notifications.direct`,
    deadLetterExchange: `${prefix}notifications.dlx`,
    queue: (key: RoutingKey) => `${prefix}${key}.queue`,
    failedQueue: `${prefix}failed.queue`,
    waitQueue: (key: RoutingKey, delayMs: number) => `${prefix}${key}.wait.${delayMs}`,
  };
}

/**
 * Delete the exchanges, key queues and failed.queue the adapter declared
 * under `prefix`, with what they hold (benchmarks and tests that used a
 * prefix of their own; wait queues are left to expire empty).
 */
export async function dropRabbitTopology(url: string, prefix: string): Promise<void> {
  const names = rabbitTopology(prefix);
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    for (const key of ROUTING_KEYS) await channel.deleteQueue(names.queue(key));
    await channel.deleteQueue(names.failedQueue);
    await channel.deleteExchange(names.exchange);
    await channel.deleteExchange(names.deadLetterExchange);
  } finally {
    await connection.close();
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

interface Session {
  connection: ChannelModel;
  publisher: ConfirmChannel;
  alive: boolean;
  /** Set while the socket buffer is full; publishes wait for it. */
  drain: Promise<void> | undefined;
  waitQueues: Map<string, Promise<unknown>>;
  lost: Array<() => void>;
}

interface RabbitConsumer {
  attach(session: Session): Promise<void>;
  stop(): Promise<void>;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * {@link Queue} on RabbitMQ (amqplib), the seed's topology:
 *
 * - direct exchange `notifications.direct`; durable classic queues
 *   `email.queue`, `push.queue`, `status.queue` bound by routing key, with
 *   `x-max-priority` (three bands, see `brokerPriority`) so `priority` is honoured. (Quorum queues would replicate,
 *   but on RabbitMQ 3.x they ignore priority; the documented alternative is one
 *   quorum queue per priority band with consumers preferring the higher band.)
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
 *
 * Known limit: classic queues have no delivery limit, so a message that kills
 * its consumer process every time is redelivered forever (the attempt count
 * only grows on handled retries). Alerting on `stats().keys.*.inFlight` and
 * redelivery logs is the guard.
 */
export function createRabbitQueue(options: RabbitQueueOptions): Queue {
  const { logger } = options;
  const names = rabbitTopology(options.prefix);
  const policies = retryPolicies(options.policies);
  const random = options.random ?? Math.random;
  const publishTimeoutMs = options.publishTimeoutMs ?? 30_000;
  const initialDelayMs = options.reconnect?.initialDelayMs ?? 100;
  const maxDelayMs = options.reconnect?.maxDelayMs ?? 5_000;
  const counters = createKeyCounters();
  const consumers = new Set<RabbitConsumer>();

  let session: Session | undefined;
  let sessionWaiters: Array<() => void> = [];
  let closed = false;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let failures = 0;
  let connectedBefore = false;

  const declare = async (channel: Channel) => {
    await channel.assertExchange(names.exchange, 'direct', { durable: true });
    await channel.assertExchange(names.deadLetterExchange, 'fanout', { durable: true });
    await channel.assertQueue(names.failedQueue, { durable: true });
    await channel.bindQueue(names.failedQueue, names.deadLetterExchange, '');
    for (const key of ROUTING_KEYS) {
      await channel.assertQueue(names.queue(key), {
        durable: true,
        arguments: { 'x-max-priority': BROKER_PRIORITY_BANDS, 'x-dead-letter-exchange': names.deadLetterExchange },
      });
      await channel.bindQueue(names.queue(key), names.exchange, key);
    }
  };

  const lose = (s: Session, reason: string) => {
    if (!s.alive) return;
    s.alive = false;
    if (session === s) session = undefined;
    for (const wake of s.lost.splice(0)) wake();
    if (closed) return;
    logger.warn({ reason }, 'rabbitmq connection lost; reconnecting');
    void s.connection.close().catch(() => {});
    scheduleConnect();
  };

  const connect = async (): Promise<Session> => {
    const connection = await amqp.connect(options.url, {
      clientProperties: { connection_name: options.connectionName ?? `notifications${options.prefix ? `:${options.prefix}` : ''}` },
    });
    try {
      const publisher = await connection.createConfirmChannel();
      const s: Session = { connection, publisher, alive: true, drain: undefined, waitQueues: new Map(), lost: [] };
      // errors are followed by 'close'; the close handler is where recovery starts
      connection.on('error', (err: Error) => logger.warn({ err }, 'rabbitmq connection error'));
      connection.on('close', () => lose(s, 'connection closed'));
      publisher.on('error', (err: Error) => logger.warn({ err }, 'rabbitmq publish channel error'));
      publisher.on('close', () => lose(s, 'publish channel closed'));
      publisher.on('drain', () => {
        s.drain = undefined;
      });
      await declare(publisher);
      return s;
    } catch (err) {
      await connection.close().catch(() => {});
      throw err;
    }
  };

  const scheduleConnect = () => {
    if (closed || reconnectTimer) return;
    const delay = failures === 0 ? 0 : Math.min(maxDelayMs, initialDelayMs * 2 ** (failures - 1)) * (0.8 + 0.2 * Math.random());
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      connect().then(
        async (s) => {
          if (closed) return void s.connection.close().catch(() => {});
          if (connectedBefore) logger.info({ failed_attempts: failures }, 'rabbitmq reconnected');
          connectedBefore = true;
          failures = 0;
          session = s;
          for (const wake of sessionWaiters.splice(0)) wake();
          await Promise.all(
            [...consumers].map((c) => c.attach(s).catch((err: unknown) => logger.error({ err }, 'rabbitmq consumer re-attach failed'))),
          );
        },
        (err: unknown) => {
          failures++;
          logger.warn({ err, attempt: failures }, 'rabbitmq connect failed');
          scheduleConnect();
        },
      );
    }, delay);
  };

  /** The live session, waiting for one until `deadline`. */
  const sessionBefore = (deadline: number): Promise<Session> | Session => {
    if (session?.alive) return session;
    if (closed) throw new QueueUnavailableError('queue is closed');
    return new Promise<Session>((resolve, reject) => {
      const wait = () => {
        const timer = setTimeout(() => {
          sessionWaiters = sessionWaiters.filter((w) => w !== onSession);
          reject(new QueueUnavailableError(`RabbitMQ unreachable for ${publishTimeoutMs} ms`));
        }, Math.max(0, deadline - Date.now()));
        const onSession = () => {
          clearTimeout(timer);
          if (closed) reject(new QueueUnavailableError('queue is closed'));
          else if (session?.alive) resolve(session);
          else wait();
        };
        sessionWaiters.push(onSession);
      };
      wait();
    });
  };

  const confirmPublish = async (s: Session, exchange: string, routingKey: string, content: Buffer, props: Options.Publish) => {
    while (s.drain) await s.drain;
    await sendConfirmed(s, exchange, routingKey, content, props);
  };

  const sendConfirmed = (s: Session, exchange: string, routingKey: string, content: Buffer, props: Options.Publish) =>
    new Promise<void>((resolve, reject) => {
      const flowing = s.publisher.publish(exchange, routingKey, content, props, (err: unknown) =>
        err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(),
      );
      if (!flowing && !s.drain) {
        s.drain = new Promise<void>((wake) => {
          s.publisher.once('drain', wake);
          s.lost.push(wake);
        });
      }
    });

  /**
   * Publish with a confirm, across reconnects, until the deadline. A publish whose connection dropped
   * before its confirm is sent again: the broker may then hold it twice, never zero times.
   */
  const publishRaw = async (
    exchange: string,
    routingKey: string,
    content: Buffer,
    props: Options.Publish,
    prepare?: (s: Session) => Promise<unknown>,
  ): Promise<void> => {
    // fast path, the common case: connected, socket not backed up, nothing to declare first
    const current = session;
    if (!prepare && current?.alive && !current.drain) {
      try {
        return await sendConfirmed(current, exchange, routingKey, content, props);
      } catch {
        // fall through to the careful path, which knows what to do about a dropped connection
      }
    }
    const deadline = Date.now() + publishTimeoutMs;
    for (;;) {
      const s = await sessionBefore(deadline);
      try {
        if (prepare) await prepare(s);
        await confirmPublish(s, exchange, routingKey, content, props);
        return;
      } catch (err) {
        await tick();
        if (s.alive) throw new QueueUnavailableError('RabbitMQ refused the message', err);
        if (closed) throw new QueueUnavailableError('queue closed before the broker confirmed the message', err);
        if (Date.now() >= deadline) throw new QueueUnavailableError('RabbitMQ connection lost before the confirm', err);
      }
    }
  };

  const messageProps = (message: object, headers: Record<string, unknown>, messageId: string = randomUUID()): Options.Publish => ({
    persistent: true,
    contentType: 'application/json',
    messageId,
    priority: brokerPriority(priorityOf(message)),
    headers,
  });

  const ensureWaitQueue = (s: Session, key: RoutingKey, level: number) => {
    const name = names.waitQueue(key, level);
    let declared = s.waitQueues.get(name);
    if (!declared) {
      declared = s.publisher.assertQueue(name, {
        durable: true,
        arguments: {
          'x-message-ttl': level,
          'x-dead-letter-exchange': names.exchange,
          'x-dead-letter-routing-key': key,
        },
      });
      s.waitQueues.set(name, declared);
    }
    return declared;
  };

  /** Publish to `key` now, or through a wait queue when delayed. */
  const publishToKey = (key: RoutingKey, content: Buffer, props: Options.Publish, delayMs = 0) => {
    const level = delayLevelMs(delayMs);
    if (level === 0) return publishRaw(names.exchange, key, content, props);
    return publishRaw('', names.waitQueue(key, level), content, props, (s) => ensureWaitQueue(s, key, level));
  };

  const publishOne = (key: RoutingKey, message: object, publishOptions: PublishOptions = {}) => {
    if (closed) return Promise.reject(new QueueUnavailableError('queue is closed'));
    // trace context as AMQP headers (`traceparent`), so consumers continue the publisher's trace
    const headers = { ...messageTraceHeaders(message), ...userHeaders(publishOptions.headers), [HEADER.attempt]: 1 };
    return publishToKey(key, Buffer.from(JSON.stringify(message)), messageProps(message, headers), publishOptions.delayMs);
  };

  const createConsumer = <K extends RoutingKey>(key: K, handler: Handler<K>, concurrency: number): RabbitConsumer => {
    const deps = { logger, policy: policies[key], random };
    let active = 0;
    let stopped = false;
    let current: { channel: Channel; tag: string; alive: boolean } | undefined;
    const idle = createIdleWaiter(() => active === 0);

    const carryOut = async (settlement: Settlement, msg: ConsumeMessage, on: { channel: Channel; alive: boolean }) => {
      // the channel died under the handler: the broker gives the message to another consumer, so do nothing more
      if (!on.alive) return;
      const headers = msg.properties.headers ?? {};
      if (settlement.action === 'retry') {
        await publishToKey(
          key,
          msg.content,
          { ...msg.properties, persistent: true, headers: { ...headers, [HEADER.attempt]: settlement.nextAttempt } } as Options.Publish,
          Math.max(1, settlement.delayMs),
        );
      } else if (settlement.action === 'dead_letter') {
        await publishRaw(names.deadLetterExchange, key, msg.content, {
          ...(msg.properties as Options.Publish),
          persistent: true,
          headers: { ...headers, [HEADER.key]: key, [HEADER.reason]: settlement.reason, [HEADER.failedAt]: new Date().toISOString() },
        });
        counters.deadLettered(key);
      }
      if (on.alive) on.channel.ack(msg);
    };

    const onMessage = (msg: ConsumeMessage | null, on: { channel: Channel; tag: string; alive: boolean }) => {
      if (msg === null) {
        logger.warn({ routing_key: key }, 'rabbitmq cancelled the consumer (queue deleted?)');
        return;
      }
      active++;
      counters.taken(key);
      const headers = msg.properties.headers ?? {};
      const attempt = Number(headers[HEADER.attempt]) || 1;
      const delivery = { id: String(msg.properties.messageId ?? msg.fields.deliveryTag), attempt, headers: publicHeaders(headers) };
      void run(msg, delivery, on);
    };

    // one async function per message (not a promise chain): fewer allocations on the hot path
    const run = async (msg: ConsumeMessage, delivery: Delivery, on: { channel: Channel; alive: boolean }) => {
      try {
        const settlement = await settle(key, msg.content.toString('utf8'), delivery, handler, deps);
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

    return {
      async attach(s) {
        if (stopped) return;
        const channel = await s.connection.createChannel();
        const on = { channel, tag: '', alive: true };
        channel.on('error', (err: Error) => logger.warn({ err, routing_key: key }, 'rabbitmq consumer channel error'));
        channel.on('close', () => {
          on.alive = false;
          // a channel closed alone (connection still up) would leave this consumer deaf: reconnect it
          if (!stopped && s.alive && current === on) lose(s, 'consumer channel closed');
        });
        await channel.prefetch(concurrency);
        current = on;
        on.tag = (await channel.consume(names.queue(key), (msg) => onMessage(msg, on), { noAck: false })).consumerTag;
      },
      async stop() {
        if (stopped) return idle.wait();
        stopped = true;
        const on = current;
        if (on?.alive) await on.channel.cancel(on.tag).catch(() => {});
        await idle.wait();
        if (on?.alive) {
          on.alive = false;
          await on.channel.close().catch(() => {});
        }
      },
    };
  };

  /** Take every dead letter on a private channel; closing it puts back whatever was not acked. */
  const withDeadLetters = async <T>(work: (channel: ConfirmChannel, take: () => Promise<GetMessage | false>) => Promise<T>) => {
    const s = await sessionBefore(Date.now() + publishTimeoutMs);
    const channel = await s.connection.createConfirmChannel();
    channel.on('error', () => {});
    try {
      return await work(channel, () => channel.get(names.failedQueue, { noAck: false }));
    } finally {
      await channel.close().catch(() => {});
    }
  };

  const toDeadLetter = (msg: GetMessage): DeadLetter => {
    const headers = msg.properties.headers ?? {};
    const death = (headers['x-death'] as Array<Record<string, unknown>> | undefined)?.[0];
    const deathKey = (death?.['routing-keys'] as unknown[] | undefined)?.[0];
    const deathTime = death?.time as { value?: number } | Date | undefined;
    return {
      id: String(msg.properties.messageId ?? ''),
      key: routingKeyOf(headers[HEADER.key]) ?? routingKeyOf(deathKey),
      reason: String(headers[HEADER.reason] ?? (death ? `${String(death.reason)} from ${String(death.queue)}` : 'unknown')),
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
  };

  const redriveOne = async (channel: ConfirmChannel, msg: GetMessage, key: RoutingKey) => {
    const headers = { ...publicHeaders(msg.properties.headers), [HEADER.attempt]: 1 };
    const body = parseBody(msg.content.toString('utf8'));
    const props = messageProps(typeof body === 'object' && body !== null ? body : {}, headers, String(msg.properties.messageId ?? randomUUID()));
    await publishToKey(key, msg.content, props);
    channel.ack(msg);
  };

  scheduleConnect();

  return {
    publish: (key, message, publishOptions) => publishOne(key, message, publishOptions),
    async publishMany(key, messages, publishOptions) {
      await Promise.all(messages.map((message) => publishOne(key, message, publishOptions)));
    },
    async consume(key, handler, consumeOptions = {}) {
      const consumer = createConsumer(key, handler, Math.max(1, consumeOptions.concurrency ?? 10));
      const s = await sessionBefore(Date.now() + publishTimeoutMs);
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
    async stats() {
      const s = await sessionBefore(Date.now() + publishTimeoutMs);
      const channel = await s.connection.createChannel();
      channel.on('error', () => {});
      try {
        const depth = {} as Record<RoutingKey, number>;
        for (const key of ROUTING_KEYS) depth[key] = (await channel.checkQueue(names.queue(key))).messageCount;
        const deadLetterDepth = (await channel.checkQueue(names.failedQueue)).messageCount;
        return { keys: counters.snapshot(depth), deadLetterDepth };
      } finally {
        await channel.close().catch(() => {});
      }
    },
    deadLetters: {
      list: (limit = 100) =>
        withDeadLetters(async (_channel, take) => {
          const out: DeadLetter[] = [];
          while (out.length < limit) {
            const msg = await take();
            if (!msg) break;
            out.push(toDeadLetter(msg));
          }
          return out;
        }),
      redrive: (id) =>
        withDeadLetters(async (channel, take) => {
          let count = 0;
          // only what is there now: a redriven message that fails again lands back in the queue behind us
          let remaining = (await channel.checkQueue(names.failedQueue)).messageCount;
          for (let msg = remaining > 0 ? await take() : false; msg; msg = --remaining > 0 ? await take() : false) {
            const letter = toDeadLetter(msg);
            if (id !== 'all' && letter.id !== id) continue;
            if (!letter.key) {
              logger.warn({ message_id: letter.id }, 'dead letter has no routing key; left in place');
              continue;
            }
            await redriveOne(channel, msg, letter.key);
            count++;
            if (id !== 'all') break;
          }
          return count;
        }),
      purge: async () => {
        const s = await sessionBefore(Date.now() + publishTimeoutMs);
        const channel = await s.connection.createChannel();
        try {
          return (await channel.purgeQueue(names.failedQueue)).messageCount;
        } finally {
          await channel.close().catch(() => {});
        }
      },
    },
    async ping() {
      if (!session?.alive) throw new QueueUnavailableError('RabbitMQ is not connected');
    },
    async close() {
      if (closed) return;
      await Promise.all([...consumers].map((c) => c.stop()));
      consumers.clear();
      closed = true;
      clearTimeout(reconnectTimer);
      const s = session;
      session = undefined;
      for (const wake of sessionWaiters.splice(0)) wake();
      if (s) {
        s.alive = false;
        await s.connection.close().catch(() => {});
      }
    },
  };
}

import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type Options } from 'amqplib';
import type { Logger } from '../../logging/logger.js';
import { QueueUnavailableError } from '../queue.js';

/** One live connection with its confirm channel for publishing; replaced as a whole on reconnect. */
export interface Session {
  connection: ChannelModel;
  publisher: ConfirmChannel;
  alive: boolean;
  /** Set while the socket buffer is full; publishes wait for it. */
  drain: Promise<void> | undefined;
  /** Wait queues declared on this session, by name. */
  waitQueues: Map<string, Promise<unknown>>;
  lost: Array<() => void>;
}

export interface RabbitConnectionOptions {
  url: string;
  logger: Logger;
  /** Shown in the broker's connection list. */
  connectionName: string;
  /** How long a publish (or a caller of `sessionBefore`) waits for a connection before failing loudly. */
  publishTimeoutMs: number;
  /** Reconnect backoff: first delay and cap. */
  reconnect: { initialDelayMs: number; maxDelayMs: number };
  /** Declares the topology on a fresh session's channel, before anyone uses the session. */
  declare(channel: Channel): Promise<void>;
  /** Runs on every new session (first connect and reconnects), e.g. to re-attach consumers. */
  onSession(session: Session): Promise<void>;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The adapter's connection to RabbitMQ: connects (and reconnects with
 * backoff after a dropped connection or broker restart), declares the
 * topology on each new session, and publishes with confirms across
 * reconnects. Starts connecting at once.
 */
export function createRabbitConnection(options: RabbitConnectionOptions) {
  const { logger, publishTimeoutMs } = options;
  const { initialDelayMs, maxDelayMs } = options.reconnect;

  let session: Session | undefined;
  let sessionWaiters: Array<() => void> = [];
  let closed = false;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let failures = 0;
  let connectedBefore = false;

  /** Give up a session (its connection or a channel of it closed) and start reconnecting. */
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
    const connection = await amqp.connect(options.url, { clientProperties: { connection_name: options.connectionName } });
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
      await options.declare(publisher);
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
          await options.onSession(s);
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
        const timer = setTimeout(
          () => {
            sessionWaiters = sessionWaiters.filter((w) => w !== onSession);
            reject(new QueueUnavailableError(`RabbitMQ unreachable for ${publishTimeoutMs} ms`));
          },
          Math.max(0, deadline - Date.now()),
        );
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

  const confirmPublish = async (s: Session, exchange: string, routingKey: string, content: Buffer, props: Options.Publish) => {
    while (s.drain) await s.drain;
    await sendConfirmed(s, exchange, routingKey, content, props);
  };

  /**
   * Publish with a confirm, across reconnects, until the deadline. A publish whose connection dropped
   * before its confirm is sent again: the broker may then hold it twice, never zero times.
   */
  const publish = async (
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

  /** A short-lived channel on the live session for `work`, closed after it. */
  const withChannel = async <T>(work: (channel: Channel) => Promise<T>): Promise<T> => {
    const s = await sessionBefore(Date.now() + publishTimeoutMs);
    const channel = await s.connection.createChannel();
    channel.on('error', () => {});
    try {
      return await work(channel);
    } finally {
      await channel.close().catch(() => {});
    }
  };

  scheduleConnect();

  return {
    publish,
    sessionBefore,
    /** The live session within the publish timeout. */
    session: () => sessionBefore(Date.now() + publishTimeoutMs),
    withChannel,
    lose,
    get closed() {
      return closed;
    },
    get connected() {
      return session?.alive === true;
    },
    /** Stop reconnecting, wake every waiter (they fail) and close the connection. */
    async close() {
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

export type RabbitConnection = ReturnType<typeof createRabbitConnection>;

import { setTimeout as sleep } from 'node:timers/promises';
import type { Channel, ChannelModel } from 'amqplib';
import { QueueUnavailableError } from '../queue.js';

/** The queue whose one exclusive consumer holds the dead letters, beside `failed.queue`. */
export function deadLetterLockQueue(failedQueue: string): string {
  return `${failedQueue}.lock`;
}

export interface DeadLetterLockOptions {
  /** `deadLetterLockQueue(failedQueue)`. */
  lockQueue: string;
  /** The adapter's live connection (waits for one while disconnected). */
  connection: () => Promise<ChannelModel>;
  /** How long to wait for the lock before answering unavailable. */
  timeoutMs: number;
}

// AMQP reply code when another channel already consumes the queue exclusively
const ACCESS_REFUSED = 403;

/**
 * RabbitMQ cannot show a queue's messages without taking them: listing the
 * dead letters takes them unacknowledged and puts them back by closing its
 * channel. So every dead-letter operation (list, redrive) runs alone, across
 * processes and replicas, under one lock held through the broker: an
 * exclusive consumer on a lock queue that never holds a message. A holder
 * that dies releases it with its channel; a redrive waits for a listing to
 * put its letters back instead of missing them.
 */
export function createDeadLetterLock(options: DeadLetterLockOptions) {
  // callers of this process queue up here instead of polling the broker against each other
  let tail: Promise<unknown> = Promise.resolve();

  async function acquire(deadline: number): Promise<Channel> {
    for (let pauseMs = 5; ; pauseMs = Math.min(pauseMs * 2, 200)) {
      const channel = await (await options.connection()).createChannel();
      channel.on('error', () => {});
      try {
        await channel.assertQueue(options.lockQueue, { durable: true });
        await channel.consume(options.lockQueue, () => {}, { exclusive: true, noAck: true });
        return channel;
      } catch (err) {
        await channel.close().catch(() => {});
        if ((err as { code?: number }).code !== ACCESS_REFUSED) throw err;
        if (Date.now() + pauseMs > deadline) {
          throw new QueueUnavailableError(`dead letters busy for ${options.timeoutMs} ms (another list or redrive)`, err);
        }
      }
      await sleep(pauseMs);
    }
  }

  return async function withDeadLetterLock<T>(work: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + options.timeoutMs;
    const previous = tail;
    let done!: () => void;
    tail = new Promise<void>((resolve) => {
      done = resolve;
    });
    try {
      await previous;
      const lock = await acquire(deadline);
      try {
        return await work();
      } finally {
        await lock.close().catch(() => {});
      }
    } finally {
      done();
    }
  };
}

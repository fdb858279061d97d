import { ChangeMessageVisibilityCommand, type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '../../logging/logger.js';
import type { RetryPolicy, RoutingKey } from '../../messages.js';
import { createIdleWaiter, type KeyCounters } from '../key-counters.js';
import type { Consumer, Handler } from '../queue.js';
import { settle } from '../settle.js';
import type { Outgoing, SqsCalls } from './sqs-calls.js';
import {
  attributesOf,
  deadLetterAttributes,
  deliveryOf,
  MAX_BATCH,
  MAX_VISIBILITY_SECONDS,
  toAttributes,
} from './sqs-message.js';

export interface SqsConsumerDeps<K extends RoutingKey> {
  key: K;
  handler: Handler<K>;
  concurrency: number;
  client: SQSClient;
  calls: SqsCalls;
  /** The key's queue and the dead-letter queue. */
  queueUrl: string;
  failedUrl: string;
  logger: Logger;
  policy: RetryPolicy;
  random: () => number;
  waitTimeSeconds: number;
  counters: KeyCounters;
}

/** The copy of `message` that goes to the dead-letter queue. */
function deadLetterCopy(message: Message, key: RoutingKey, reason: string, attempt: number): Outgoing {
  return {
    body: message.Body ?? '',
    attributes: toAttributes(deadLetterAttributes(attributesOf(message.MessageAttributes), key, reason, attempt)),
    delaySeconds: 0,
  };
}

/**
 * Long-poll one key's queue (one poller per 10 of concurrency, each asking
 * for no more than the room left) and carry out `settle`'s decision: delete,
 * hide for the retry delay (`ChangeMessageVisibility`), or copy to the
 * dead-letter queue and delete.
 */
export function createSqsConsumer<K extends RoutingKey>(deps: SqsConsumerDeps<K>): Consumer {
  const { key, handler, concurrency, client, calls, queueUrl, failedUrl, logger, counters } = deps;
  const settleDeps = { logger, policy: deps.policy, random: deps.random };
  const remove = calls.createDeleter(queueUrl);
  const abort = new AbortController();
  let active = 0;
  let reserved = 0;
  let stopped = false;
  const idle = createIdleWaiter(() => active === 0);
  const roomWaiters: Array<() => void> = [];
  const freeRoom = () => {
    for (const wake of roomWaiters.splice(0)) wake();
  };

  const handle = async (message: Message) => {
    const delivery = deliveryOf(
      message.MessageId ?? '',
      message.Attributes?.ApproximateReceiveCount,
      attributesOf(message.MessageAttributes),
    );
    try {
      const settlement = await settle(key, message.Body ?? '', delivery, handler, settleDeps);
      if (settlement.action === 'retry') {
        const seconds = Math.min(MAX_VISIBILITY_SECONDS, Math.ceil(settlement.delayMs / 1000));
        await client.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: seconds,
          }),
        );
        return;
      }
      if (settlement.action === 'dead_letter') {
        await calls.sendOne(failedUrl, deadLetterCopy(message, key, settlement.reason, delivery.attempt));
        counters.deadLettered(key);
      }
      await remove(message.ReceiptHandle!);
    } catch (err) {
      // left alone, the message comes back after the visibility timeout: late, but not lost
      logger.error(
        { err, routing_key: key, message_id: delivery.id },
        'queue message could not be settled; SQS will redeliver it',
      );
    }
  };

  const poller = async () => {
    let failures = 0;
    while (!stopped) {
      const room = concurrency - active - reserved;
      if (room <= 0) {
        await new Promise<void>((resolve) => roomWaiters.push(resolve));
        continue;
      }
      const take = Math.min(MAX_BATCH, room);
      reserved += take;
      let messages: Message[] = [];
      try {
        const result = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: take,
            WaitTimeSeconds: deps.waitTimeSeconds,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
          { abortSignal: abort.signal },
        );
        messages = result.Messages ?? [];
        failures = 0;
      } catch (err) {
        if (stopped) break;
        failures++;
        logger.warn({ err, routing_key: key, attempt: failures }, 'SQS receive failed; backing off');
        await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 100 * 2 ** failures)));
      } finally {
        reserved -= take;
      }
      for (const message of messages) {
        active++;
        counters.taken(key);
        void handle(message).finally(() => {
          active--;
          counters.settled(key);
          idle.notify();
          freeRoom();
        });
      }
    }
  };

  const pollers = Array.from({ length: Math.ceil(concurrency / MAX_BATCH) }, () => poller());
  return {
    async stop() {
      if (!stopped) {
        stopped = true;
        abort.abort();
        freeRoom();
      }
      await Promise.allSettled(pollers);
      await idle.wait();
    },
  };
}

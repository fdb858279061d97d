import { SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '../../logging/logger.js';
import { type RetryPolicy, ROUTING_KEYS, type RoutingKey, retryPolicies } from '../../messages.js';
import { messageTraceHeaders } from '../../tracing/message-trace.js';
import { createKeyCounters } from '../key-counters.js';
import { type Consumer, type PublishOptions, type Queue, QueueUnavailableError } from '../queue.js';
import { HEADER, userHeaders } from '../wire.js';
import { createSqsConsumer } from './consumer.js';
import { createSqsDeadLetters } from './dead-letters.js';
import { createSqsCalls, type Outgoing } from './sqs-calls.js';
import { MAX_DELAY_SECONDS, MAX_SQS_HEADERS, toAttributes } from './sqs-message.js';
import { createSqsTopology } from './topology.js';

export interface SqsQueueOptions {
  logger: Logger;
  /** A ready client; otherwise one is built from `region`, `endpoint` and `credentials`. */
  client?: SQSClient;
  region?: string;
  /** Only for emulators (fauxqs, LocalStack). */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Prefix of every queue name (SQS_QUEUE_PREFIX): `<prefix>email-queue`, ..., `<prefix>failed-queue`. */
  prefix?: string;
  /** Override retry policies of the catalog (tests shorten the delays). */
  policies?: Partial<Record<RoutingKey, Partial<RetryPolicy>>>;
  random?: () => number;
  /** How long a taken message stays hidden; a consumer that dies gives its messages back after this. Default 30. */
  visibilityTimeoutSeconds?: number;
  /** Long-poll wait of each receive. Default 20 (the SQS maximum). */
  waitTimeSeconds?: number;
  /** Create the queues and their redrive policy (off when infrastructure code owns them). Default true. */
  createQueues?: boolean;
}

/**
 * {@link Queue} on Amazon SQS (@aws-sdk/client-sqs), SQS-shaped, composed
 * of the queue setup (`topology.ts`), the batched calls (`sqs-calls.ts`), one
 * consumer per key (`consumer.ts`) and the dead-letter tools
 * (`dead-letters.ts`); the message format (`sqs-message.ts`) is shared with
 * the Lambda batch handler.
 *
 * - one standard queue per routing key (`<prefix>email-queue`, ...) and one
 *   dead-letter queue `<prefix>failed-queue`, wired with a `RedrivePolicy`
 *   whose `maxReceiveCount` is one more than the key's attempts, so a message
 *   that keeps killing its consumer still ends up there;
 * - the attempt number is `ApproximateReceiveCount`; a retry delay is a
 *   `ChangeMessageVisibility` (whole seconds, rounded up); headers travel as
 *   message attributes (at most {@link MAX_SQS_HEADERS});
 * - long polling, batched sends and deletes (10 per call);
 * - a permanent failure is sent to the dead-letter queue with its reason in
 *   attributes, then deleted.
 *
 * No priorities: SQS has none (use a separate prefix/queue set for urgent
 * traffic if it matters). Publish delays are at most 15 minutes.
 */
export function createSqsQueue(options: SqsQueueOptions): Queue {
  const { logger } = options;
  const client =
    options.client ??
    new SQSClient({
      region: options.region ?? 'us-east-1',
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
  const ownsClient = !options.client;
  const policies = retryPolicies(options.policies);
  const random = options.random ?? Math.random;
  const counters = createKeyCounters();
  const consumers = new Set<Consumer>();
  const calls = createSqsCalls(client);
  let closed = false;

  const ready = createSqsTopology({
    client,
    ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    policies,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
    createQueues: options.createQueues !== false,
    isClosed: () => closed,
  });

  const outgoing = (key: RoutingKey, message: object, publishOptions: PublishOptions = {}): Outgoing => {
    const headers = userHeaders(publishOptions.headers);
    if (Object.keys(headers).length > MAX_SQS_HEADERS) throw new RangeError(`SQS carries at most ${MAX_SQS_HEADERS} headers`);
    const delaySeconds = Math.ceil((publishOptions.delayMs ?? 0) / 1000);
    if (delaySeconds > MAX_DELAY_SECONDS) throw new RangeError(`SQS delays a message at most ${MAX_DELAY_SECONDS} s`);
    // trace context rides along as attributes while there is room (the body keeps a delivery's own `traceparent` anyway)
    const room = MAX_SQS_HEADERS - Object.keys(headers).length;
    const traceHeaders = room > 0 ? messageTraceHeaders(message) : undefined;
    if (traceHeaders && room < 2) delete traceHeaders.tracestate;
    return {
      body: JSON.stringify(message),
      attributes: toAttributes({ ...traceHeaders, ...headers, [HEADER.key]: key }),
      delaySeconds,
    };
  };

  return {
    async publish(key, message, publishOptions) {
      const o = outgoing(key, message, publishOptions);
      const { keys } = await ready();
      await calls.sendOne(keys[key], o).catch((err: unknown) => {
        throw new QueueUnavailableError('SQS did not take the message', err);
      });
    },
    async publishMany(key, messages, publishOptions) {
      const items = messages.map((m) => outgoing(key, m, publishOptions));
      const { keys } = await ready();
      await calls.sendAll(keys[key], items).catch((err: unknown) => {
        throw err instanceof QueueUnavailableError ? err : new QueueUnavailableError('SQS did not take the messages', err);
      });
    },
    async consume(key, handler, consumeOptions = {}) {
      const { keys, failed } = await ready();
      const consumer = createSqsConsumer({
        key,
        handler,
        concurrency: Math.max(1, consumeOptions.concurrency ?? 10),
        client,
        calls,
        queueUrl: keys[key],
        failedUrl: failed,
        logger,
        policy: policies[key],
        random,
        waitTimeSeconds: options.waitTimeSeconds ?? 20,
        counters,
      });
      const tracked: Consumer = {
        stop: () => {
          consumers.delete(tracked);
          return consumer.stop();
        },
      };
      consumers.add(tracked);
      return tracked;
    },
    async stats() {
      const { keys, failed } = await ready();
      const depth = {} as Record<RoutingKey, number>;
      await Promise.all(ROUTING_KEYS.map(async (k) => (depth[k] = await calls.approximate(keys[k]))));
      return { keys: counters.snapshot(depth), deadLetterDepth: await calls.approximate(failed) };
    },
    deadLetters: createSqsDeadLetters({ client, calls, ready, logger }),
    async ping() {
      const { failed } = await ready();
      await calls.approximate(failed);
    },
    async close() {
      if (closed) return;
      await Promise.all([...consumers].map((c) => c.stop()));
      closed = true;
      if (ownsClient) client.destroy();
    },
  };
}

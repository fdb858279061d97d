import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  type Message,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import type { Logger } from '../logging/logger.js';
import { messageTraceHeaders } from '../tracing/message-trace.js';
import { ROUTING_KEYS, retryPolicies, type RetryPolicy, type RoutingKey } from '../messages.js';
import { createIdleWaiter, createKeyCounters } from './key-counters.js';
import { QueueUnavailableError, type Consumer, type DeadLetter, type Handler, type PublishOptions, type Queue } from './queue.js';
import { settle } from './settle.js';
import { HEADER, parseBody, publicHeaders, routingKeyOf, userHeaders } from './wire.js';

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
 * SQS allows 10 message attributes; the adapter uses up to 4 of them (routing key, and reason, time, attempt on
 * dead letters). The trace context (`traceparent`, `tracestate`) takes what the caller's headers leave of these 6.
 */
export const MAX_SQS_HEADERS = 6;
const MAX_BATCH = 10;
// SendMessageBatch refuses more than 256 KiB in all; leave room for attributes
const MAX_BATCH_BYTES = 240 * 1024;
const MAX_DELAY_SECONDS = 900;
const MAX_VISIBILITY_SECONDS = 43_200;

export function sqsQueueNames(prefix = '') {
  return { queue: (key: RoutingKey) => `${prefix}${key}-queue`, failedQueue: `${prefix}failed-queue` };
}

const stringAttribute = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });

function attributesOf(message: Pick<Message, 'MessageAttributes'>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    if (value.StringValue !== undefined) out[name] = value.StringValue;
  }
  return out;
}

const toAttributes = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, stringAttribute(value)]));

/** Chunks of at most 10 entries and ~240 KiB, the SQS batch limits. */
function batches<T>(items: T[], size: (item: T) => number): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const n = size(item);
    if (current.length === MAX_BATCH || (current.length > 0 && bytes + n > MAX_BATCH_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += n;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * {@link Queue} on Amazon SQS (@aws-sdk/client-sqs), SQS-shaped:
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
  const names = sqsQueueNames(options.prefix);
  const policies = retryPolicies(options.policies);
  const random = options.random ?? Math.random;
  const visibilityTimeout = options.visibilityTimeoutSeconds ?? 30;
  const waitTimeSeconds = options.waitTimeSeconds ?? 20;
  const counters = createKeyCounters();
  const consumers = new Set<Consumer>();
  let closed = false;

  interface Urls {
    keys: Record<RoutingKey, string>;
    failed: string;
  }
  let urls: Promise<Urls> | undefined;

  const createQueue = async (name: string, attributes: Record<string, string>) => {
    if (options.createQueues === false) {
      // infrastructure code owns the queues: look them up, needing no create permission
      const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: name }));
      return QueueUrl!;
    }
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name }));
    // set separately: CreateQueue refuses attributes that differ from an existing queue's
    if (Object.keys(attributes).length > 0) {
      await client.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: attributes }));
    }
    return QueueUrl!;
  };

  const setup = async (): Promise<Urls> => {
    const failed = await createQueue(names.failedQueue, {});
    const { Attributes } =
      options.createQueues === false
        ? { Attributes: undefined }
        : await client.send(new GetQueueAttributesCommand({ QueueUrl: failed, AttributeNames: ['QueueArn'] }));
    const keys = {} as Record<RoutingKey, string>;
    for (const key of ROUTING_KEYS) {
      keys[key] = await createQueue(names.queue(key), {
        VisibilityTimeout: String(visibilityTimeout),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: policies[key].maxAttempts + 1 }),
      });
    }
    return { keys, failed };
  };

  const ready = () => {
    if (closed) return Promise.reject(new QueueUnavailableError('queue is closed'));
    urls ??= setup().catch((err: unknown) => {
      urls = undefined;
      throw new QueueUnavailableError('SQS queues could not be set up', err);
    });
    return urls;
  };

  interface Outgoing {
    body: string;
    attributes: Record<string, MessageAttributeValue>;
    delaySeconds: number;
  }

  const outgoing = (key: RoutingKey, message: object, publishOptions: PublishOptions = {}): Outgoing => {
    const headers = userHeaders(publishOptions.headers);
    if (Object.keys(headers).length > MAX_SQS_HEADERS) throw new RangeError(`SQS carries at most ${MAX_SQS_HEADERS} headers`);
    const delaySeconds = Math.ceil((publishOptions.delayMs ?? 0) / 1000);
    if (delaySeconds > MAX_DELAY_SECONDS) throw new RangeError(`SQS delays a message at most ${MAX_DELAY_SECONDS} s`);
    // trace context rides along as attributes while there is room (the body keeps a delivery's own `traceparent` anyway)
    const room = MAX_SQS_HEADERS - Object.keys(headers).length;
    const traceHeaders = room > 0 ? messageTraceHeaders(message) : undefined;
    if (traceHeaders && room < 2) delete traceHeaders.tracestate;
    return { body: JSON.stringify(message), attributes: toAttributes({ ...traceHeaders, ...headers, [HEADER.key]: key }), delaySeconds };
  };

  /** SendMessageBatch in chunks; entries SQS refused are retried once, then the publish fails loudly. */
  const sendAll = async (queueUrl: string, items: Outgoing[]) => {
    await Promise.all(
      batches(items, (o) => Buffer.byteLength(o.body)).map(async (chunk) => {
        let pending = chunk.map((o, i) => ({ o, id: String(i) }));
        for (let round = 0; pending.length > 0; round++) {
          const result = await client.send(
            new SendMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: pending.map(({ o, id }) => ({
                Id: id,
                MessageBody: o.body,
                MessageAttributes: o.attributes,
                ...(o.delaySeconds > 0 ? { DelaySeconds: o.delaySeconds } : {}),
              })),
            }),
          );
          const failed = new Set((result.Failed ?? []).map((f) => f.Id));
          if (failed.size === 0) return;
          const reasons = (result.Failed ?? []).map((f) => `${f.Code}: ${f.Message}`).join('; ');
          if (round >= 1 || (result.Failed ?? []).some((f) => f.SenderFault)) {
            throw new QueueUnavailableError(`SQS refused ${failed.size} of ${pending.length} messages: ${reasons}`);
          }
          pending = pending.filter((p) => failed.has(p.id));
        }
      }),
    );
  };

  const sendOne = async (queueUrl: string, o: Outgoing) => {
    await client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: o.body,
        MessageAttributes: o.attributes,
        ...(o.delaySeconds > 0 ? { DelaySeconds: o.delaySeconds } : {}),
      }),
    );
  };

  /** Deletes collected from concurrent handlers and sent 10 per call. */
  const createDeleter = (queueUrl: string) => {
    let buffer: Array<{ handle: string; done: (err?: unknown) => void }> = [];
    const flush = () => {
      const chunk = buffer.splice(0, MAX_BATCH);
      if (buffer.length > 0) setImmediate(flush);
      if (chunk.length === 0) return;
      client
        .send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: chunk.map((c, i) => ({ Id: String(i), ReceiptHandle: c.handle })) }))
        .then(
          (result) => {
            const failed = new Map((result.Failed ?? []).map((f) => [f.Id, f]));
            chunk.forEach((c, i) => {
              const failure = failed.get(String(i));
              c.done(failure ? new Error(`${failure.Code}: ${failure.Message}`) : undefined);
            });
          },
          (err: unknown) => chunk.forEach((c) => c.done(err)),
        );
    };
    return (handle: string) =>
      new Promise<void>((resolve, reject) => {
        buffer.push({ handle, done: (err) => (err ? reject(err) : resolve()) });
        if (buffer.length === MAX_BATCH) flush();
        else if (buffer.length === 1) setImmediate(flush);
      });
  };

  const deadLetterCopy = (message: Message, key: RoutingKey, reason: string, attempt: number): Outgoing => ({
    body: message.Body ?? '',
    attributes: toAttributes({
      ...attributesOf(message),
      [HEADER.key]: key,
      // attribute values are capped in size with the body; a reason is a line, not a dump
      [HEADER.reason]: reason.slice(0, 4_000),
      [HEADER.failedAt]: new Date().toISOString(),
      [HEADER.attempt]: String(attempt),
    }),
    delaySeconds: 0,
  });

  const consume = async <K extends RoutingKey>(key: K, handler: Handler<K>, consumeOptions: { concurrency?: number } = {}) => {
    const { keys, failed } = await ready();
    const queueUrl = keys[key];
    const concurrency = Math.max(1, consumeOptions.concurrency ?? 10);
    const deps = { logger, policy: policies[key], random };
    const remove = createDeleter(queueUrl);
    const abort = new AbortController();
    let active = 0;
    let reserved = 0;
    let stopped = false;
    const idle = createIdleWaiter(() => active === 0);
    let roomWaiters: Array<() => void> = [];
    const freeRoom = () => {
      for (const wake of roomWaiters.splice(0)) wake();
    };

    const handle = async (message: Message) => {
      const attempt = Number(message.Attributes?.ApproximateReceiveCount) || 1;
      const delivery = { id: message.MessageId ?? '', attempt, headers: publicHeaders(attributesOf(message)) };
      try {
        const settlement = await settle(key, message.Body ?? '', delivery, handler, deps);
        if (settlement.action === 'retry') {
          const seconds = Math.min(MAX_VISIBILITY_SECONDS, Math.ceil(settlement.delayMs / 1000));
          await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: seconds }));
          return;
        }
        if (settlement.action === 'dead_letter') {
          await sendOne(failed, deadLetterCopy(message, key, settlement.reason, attempt));
          counters.deadLettered(key);
        }
        await remove(message.ReceiptHandle!);
      } catch (err) {
        // left alone, the message comes back after the visibility timeout: late, but not lost
        logger.error({ err, routing_key: key, message_id: delivery.id }, 'queue message could not be settled; SQS will redeliver it');
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
              WaitTimeSeconds: waitTimeSeconds,
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
    const consumer: Consumer = {
      async stop() {
        if (!stopped) {
          stopped = true;
          consumers.delete(consumer);
          abort.abort();
          freeRoom();
        }
        await Promise.allSettled(pollers);
        await idle.wait();
      },
    };
    consumers.add(consumer);
    return consumer;
  };

  const approximate = async (queueUrl: string) => {
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
  };

  /** Take up to `max` dead letters, hidden for `hideSeconds` so the next receive returns others. */
  const receiveDead = async (failed: string, max: number, hideSeconds: number): Promise<Message[]> => {
    const result = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: failed,
        MaxNumberOfMessages: Math.min(MAX_BATCH, max),
        VisibilityTimeout: hideSeconds,
        // a short long-poll asks every SQS server, so an empty answer means empty
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['SentTimestamp'],
      }),
    );
    return result.Messages ?? [];
  };

  const release = async (queueUrl: string, messages: Message[]) => {
    for (const chunk of batches(messages, () => 1)) {
      await client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 })),
        }),
      );
    }
  };

  const deleteAll = async (queueUrl: string, messages: Message[]) => {
    for (const chunk of batches(messages, () => 1)) {
      await client.send(
        new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: chunk.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }),
      );
    }
  };

  const toDeadLetter = (message: Message): DeadLetter => {
    const attributes = attributesOf(message);
    const sent = Number(message.Attributes?.SentTimestamp);
    return {
      id: message.MessageId ?? '',
      key: routingKeyOf(attributes[HEADER.key]),
      reason: attributes[HEADER.reason] ?? 'moved by the SQS redrive policy after too many receives',
      attempts: Number(attributes[HEADER.attempt]) || 0,
      failedAt: attributes[HEADER.failedAt] ?? (Number.isFinite(sent) ? new Date(sent).toISOString() : undefined),
      headers: publicHeaders(attributes),
      body: parseBody(message.Body ?? ''),
    };
  };

  /** Walk the dead-letter queue once (what is there now), letting `pick` choose; unpicked ones are released. */
  const walkDead = async (pick: (letter: DeadLetter) => 'take' | 'skip' | 'stop', onTaken: (taken: Message[]) => Promise<void>) => {
    const { failed } = await ready();
    let budget = await approximate(failed);
    const seen = new Set<string>();
    const skipped: Message[] = [];
    try {
      while (budget > 0) {
        const messages = (await receiveDead(failed, budget, 60)).filter((m) => !seen.has(m.MessageId!));
        if (messages.length === 0) break;
        const taken: Message[] = [];
        let stop = false;
        for (const m of messages) {
          seen.add(m.MessageId!);
          budget--;
          const choice = stop ? 'skip' : pick(toDeadLetter(m));
          if (choice === 'stop') stop = true;
          (choice === 'skip' ? skipped : taken).push(m);
        }
        if (taken.length > 0) await onTaken(taken);
        if (stop) break;
      }
    } finally {
      await release(failed, skipped).catch((err: unknown) => logger.warn({ err }, 'could not release dead letters; they reappear within a minute'));
    }
  };

  const queue: Queue = {
    async publish(key, message, publishOptions) {
      const o = outgoing(key, message, publishOptions);
      const { keys } = await ready();
      await sendOne(keys[key], o).catch((err: unknown) => {
        throw new QueueUnavailableError('SQS did not take the message', err);
      });
    },
    async publishMany(key, messages, publishOptions) {
      const items = messages.map((m) => outgoing(key, m, publishOptions));
      const { keys } = await ready();
      await sendAll(keys[key], items).catch((err: unknown) => {
        throw err instanceof QueueUnavailableError ? err : new QueueUnavailableError('SQS did not take the messages', err);
      });
    },
    consume,
    async stats() {
      const { keys, failed } = await ready();
      const depth = {} as Record<RoutingKey, number>;
      await Promise.all(ROUTING_KEYS.map(async (k) => (depth[k] = await approximate(keys[k]))));
      return { keys: counters.snapshot(depth), deadLetterDepth: await approximate(failed) };
    },
    deadLetters: {
      async list(limit = 100) {
        const out: DeadLetter[] = [];
        const { failed } = await ready();
        const held: Message[] = [];
        // stop at the queue's count rather than at an empty receive, which costs a whole long-poll second
        const target = Math.min(limit, await approximate(failed));
        try {
          while (out.length < target) {
            const messages = (await receiveDead(failed, limit - out.length, 30)).filter((m) => !held.some((h) => h.MessageId === m.MessageId));
            if (messages.length === 0) break;
            held.push(...messages);
            out.push(...messages.map(toDeadLetter));
          }
        } finally {
          await release(failed, held);
        }
        return out;
      },
      async redrive(id) {
        const { keys, failed } = await ready();
        let count = 0;
        await walkDead(
          (letter) => {
            if (!letter.key) return 'skip';
            if (id === 'all') return 'take';
            return letter.id === id ? 'stop' : 'skip';
          },
          async (taken) => {
            for (const key of ROUTING_KEYS) {
              const mine = taken.filter((m) => attributesOf(m)[HEADER.key] === key);
              if (mine.length === 0) continue;
              const fresh = mine.map((m) => ({
                body: m.Body ?? '',
                attributes: toAttributes({ ...publicHeaders(attributesOf(m)), [HEADER.key]: key }),
                delaySeconds: 0,
              }));
              // send before delete: a crash in between leaves a duplicate, never a loss
              await sendAll(keys[key], fresh);
              await deleteAll(failed, mine);
              count += mine.length;
            }
          },
        );
        return count;
      },
      async purge() {
        const { failed } = await ready();
        let count = 0;
        await walkDead(
          () => 'take',
          async (taken) => {
            await deleteAll(failed, taken);
            count += taken.length;
          },
        );
        return count;
      },
    },
    async ping() {
      const { failed } = await ready();
      await approximate(failed);
    },
    async close() {
      if (closed) return;
      await Promise.all([...consumers].map((c) => c.stop()));
      closed = true;
      if (ownsClient) client.destroy();
    },
  };
  return queue;
}

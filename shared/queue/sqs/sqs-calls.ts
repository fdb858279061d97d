import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { QueueUnavailableError } from '../queue.js';
import { MAX_BATCH } from './sqs-message.js';

// SendMessageBatch refuses more than 256 KiB in all; leave room for attributes
const MAX_BATCH_BYTES = 240 * 1024;

/** A message ready to send. */
export interface Outgoing {
  body: string;
  attributes: Record<string, MessageAttributeValue>;
  delaySeconds: number;
}

/** Chunks of at most 10 entries and ~240 KiB, the SQS batch limits. */
export function batches<T>(items: T[], size: (item: T) => number): T[][] {
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

/** The SQS calls the adapter makes, batched to the SQS limits. */
export function createSqsCalls(client: SQSClient) {
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
    const buffer: Array<{ handle: string; done: (err?: unknown) => void }> = [];
    const flush = () => {
      const chunk = buffer.splice(0, MAX_BATCH);
      if (buffer.length > 0) setImmediate(flush);
      if (chunk.length === 0) return;
      client
        .send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map((c, i) => ({ Id: String(i), ReceiptHandle: c.handle })),
          }),
        )
        .then(
          (result) => {
            const failed = new Map((result.Failed ?? []).map((f) => [f.Id, f]));
            chunk.forEach((c, i) => {
              const failure = failed.get(String(i));
              c.done(failure ? new Error(`${failure.Code}: ${failure.Message}`) : undefined);
            });
          },
          (err: unknown) => {
            for (const c of chunk) c.done(err);
          },
        );
    };
    return (handle: string) =>
      new Promise<void>((resolve, reject) => {
        buffer.push({ handle, done: (err) => (err ? reject(err) : resolve()) });
        if (buffer.length === MAX_BATCH) flush();
        else if (buffer.length === 1) setImmediate(flush);
      });
  };

  /** Make messages visible again at once. */
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
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  };

  /** ApproximateNumberOfMessages of a queue. */
  const approximate = async (queueUrl: string) => {
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
  };

  return { sendAll, sendOne, createDeleter, release, deleteAll, approximate };
}

export type SqsCalls = ReturnType<typeof createSqsCalls>;

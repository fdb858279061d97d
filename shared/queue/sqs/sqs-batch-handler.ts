import { ChangeMessageVisibilityCommand, GetQueueUrlCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '../../logging/logger.js';
import { MESSAGES, type RetryPolicy, type RoutingKey } from '../../messages.js';
import type { Handler } from '../queue.js';
import { settle } from '../settle.js';
import { attributesOf, deadLetterAttributes, deliveryOf, MAX_VISIBILITY_SECONDS, toAttributes } from './sqs-message.js';

/** The parts of an AWS Lambda SQS event record the adapter reads (no @types/aws-lambda needed). */
export interface SqsRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: { ApproximateReceiveCount?: string; SentTimestamp?: string; [name: string]: string | undefined };
  messageAttributes?: Record<string, { stringValue?: string; dataType: string }>;
  eventSourceARN: string;
}

export interface SqsEvent {
  Records: SqsRecord[];
}

/** The partial batch response Lambda understands (with `ReportBatchItemFailures` enabled on the event source). */
export interface SqsBatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

/**
 * What a batch handler may do beyond answering: without these it stays a
 * pure function of the event, and retries and dead letters fall back on the
 * queue's own visibility timeout and `RedrivePolicy`.
 */
export interface SqsBatchEffects {
  /** Hide the record for `seconds` before its next delivery (the retry delay). */
  delay(record: SqsRecord, seconds: number): Promise<void>;
  /** Put a copy in the dead-letter queue with the reason; the record is then reported as handled. */
  deadLetter(record: SqsRecord, key: RoutingKey, reason: string, attempt: number): Promise<void>;
}

export interface SqsBatchHandlerOptions {
  logger: Logger;
  policy?: RetryPolicy;
  random?: () => number;
  effects?: SqsBatchEffects;
}

/**
 * The Lambda side of the SQS adapter: runs the same {@link Handler} (and the
 * same `settle` decision) over every record of an SQS event, concurrently,
 * and returns `{ batchItemFailures }` naming the records to deliver again.
 * Done -> handled. Retry -> failure, after `effects.delay` set its delay.
 * Dead letter -> handled once `effects.deadLetter` stored it; a failure
 * (left to the RedrivePolicy) when there are no effects or storing failed.
 */
export function createSqsBatchHandler<K extends RoutingKey>(
  key: K,
  handler: Handler<K>,
  options: SqsBatchHandlerOptions,
): (event: SqsEvent) => Promise<SqsBatchResponse> {
  const deps = { logger: options.logger, policy: options.policy ?? MESSAGES[key].retry, random: options.random };
  const { effects, logger } = options;

  const one = async (record: SqsRecord): Promise<boolean> => {
    const delivery = deliveryOf(
      record.messageId,
      record.attributes.ApproximateReceiveCount,
      attributesOf(record.messageAttributes),
    );
    const { attempt } = delivery;
    const settlement = await settle(key, record.body, delivery, handler, deps);
    try {
      if (settlement.action === 'ack') return true;
      if (settlement.action === 'retry') {
        await effects?.delay(record, Math.ceil(settlement.delayMs / 1000));
        return false;
      }
      if (!effects) return false;
      await effects.deadLetter(record, key, settlement.reason, attempt);
      return true;
    } catch (err) {
      logger.error({ err, routing_key: key, message_id: record.messageId }, 'could not apply the outcome; SQS will redeliver');
      return false;
    }
  };

  return async (event) => {
    const results = await Promise.all(event.Records.map(one));
    return {
      batchItemFailures: event.Records.filter((_, i) => !results[i]).map((r) => ({ itemIdentifier: r.messageId })),
    };
  };
}

/** {@link SqsBatchEffects} through an SQS client: visibility changes on the source queue, copies to `deadLetterQueueUrl`. */
export function createSqsBatchEffects(client: SQSClient, deadLetterQueueUrl: string): SqsBatchEffects {
  const urls = new Map<string, Promise<string>>();
  // arn:aws:sqs:<region>:<account>:<name>
  const urlOf = (arn: string) => {
    let url = urls.get(arn);
    if (!url) {
      const [, , , , account, name] = arn.split(':');
      url = client.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account })).then((r) => r.QueueUrl!);
      urls.set(arn, url);
    }
    return url;
  };
  return {
    async delay(record, seconds) {
      await client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: await urlOf(record.eventSourceARN),
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: Math.min(MAX_VISIBILITY_SECONDS, seconds),
        }),
      );
    },
    async deadLetter(record, key, reason, attempt) {
      await client.send(
        new SendMessageCommand({
          QueueUrl: deadLetterQueueUrl,
          MessageBody: record.body,
          MessageAttributes: toAttributes(deadLetterAttributes(attributesOf(record.messageAttributes), key, reason, attempt)),
        }),
      );
    },
  };
}

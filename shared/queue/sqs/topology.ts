import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type RetryPolicy, ROUTING_KEYS, type RoutingKey } from '../../messages.js';
import { QueueUnavailableError } from '../queue.js';
import { sqsQueueNames } from './sqs-message.js';

/** URLs of the key queues and of the dead-letter queue. */
export interface SqsQueueUrls {
  keys: Record<RoutingKey, string>;
  failed: string;
}

export interface SqsTopologyOptions {
  client: SQSClient;
  prefix?: string;
  policies: Record<RoutingKey, RetryPolicy>;
  visibilityTimeoutSeconds: number;
  /** Create the queues and their redrive policy; false: only look them up (infrastructure code owns them). */
  createQueues: boolean;
  isClosed(): boolean;
}

/**
 * The adapter's queues, set up once (again after a failure): the dead-letter
 * queue, then one queue per routing key whose `RedrivePolicy` moves a message
 * there after one more receive than the key's attempts.
 */
export function createSqsTopology(options: SqsTopologyOptions): () => Promise<SqsQueueUrls> {
  const { client, policies } = options;
  const names = sqsQueueNames(options.prefix);
  let urls: Promise<SqsQueueUrls> | undefined;

  const createQueue = async (name: string, attributes: Record<string, string>) => {
    if (!options.createQueues) {
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

  const setup = async (): Promise<SqsQueueUrls> => {
    const failed = await createQueue(names.failedQueue, {});
    const { Attributes } = !options.createQueues
      ? { Attributes: undefined }
      : await client.send(new GetQueueAttributesCommand({ QueueUrl: failed, AttributeNames: ['QueueArn'] }));
    const keys = {} as Record<RoutingKey, string>;
    for (const key of ROUTING_KEYS) {
      keys[key] = await createQueue(names.queue(key), {
        VisibilityTimeout: String(options.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: Attributes?.QueueArn,
          maxReceiveCount: policies[key].maxAttempts + 1,
        }),
      });
    }
    return { keys, failed };
  };

  return () => {
    if (options.isClosed()) return Promise.reject(new QueueUnavailableError('queue is closed'));
    urls ??= setup().catch((err: unknown) => {
      urls = undefined;
      throw new QueueUnavailableError('SQS queues could not be set up', err);
    });
    return urls;
  };
}

import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '../logging/logger.js';
import { createSqsBatchEffects, type SqsBatchEffects } from '../queue/sqs/sqs-batch-handler.js';
import { queueNameOfArn } from './lambda-events.js';

/** Finds the {@link SqsBatchEffects} for records of one source queue (by its ARN). */
export type SqsEffectsResolver = (sourceArn: string) => Promise<SqsBatchEffects | undefined>;

async function urlOfArn(client: SQSClient, arn: string): Promise<string> {
  const account = arn.split(':')[4];
  const { QueueUrl } = await client.send(
    new GetQueueUrlCommand({ QueueName: queueNameOfArn(arn), ...(account ? { QueueOwnerAWSAccountId: account } : {}) }),
  );
  if (!QueueUrl) throw new Error(`no URL for ${arn}`);
  return QueueUrl;
}

/**
 * Effects for the Lambda SQS batch handler, looked up once per source queue:
 * retries hide the record for the policy's delay (ChangeMessageVisibility on
 * the source queue), and permanent failures are copied, with their reason, to
 * the dead letter queue the source queue's `RedrivePolicy` names, so a poison
 * message does not wait out every receive before SQS moves it.
 *
 * When the queue cannot be inspected (no permission, a transient error) the
 * batch runs without effects: retries and dead letters fall back on the
 * queue's visibility timeout and redrive policy, and the lookup is tried
 * again on the next batch. A queue with no redrive policy gets delays only;
 * its dead letters are reported as failures.
 */
export function createSqsEffectsResolver(client: SQSClient, logger: Logger): SqsEffectsResolver {
  const resolved = new Map<string, Promise<SqsBatchEffects>>();

  const resolve = async (sourceArn: string): Promise<SqsBatchEffects> => {
    const sourceUrl = await urlOfArn(client, sourceArn);
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: sourceUrl, AttributeNames: ['RedrivePolicy'] }),
    );
    const target = Attributes?.RedrivePolicy
      ? (JSON.parse(Attributes.RedrivePolicy) as { deadLetterTargetArn?: string }).deadLetterTargetArn
      : undefined;
    if (!target) {
      logger.warn({ queue_arn: sourceArn }, 'source queue has no redrive policy: dead letters are reported as failures');
      const effects = createSqsBatchEffects(client, '');
      return {
        delay: effects.delay,
        deadLetter: () => Promise.reject(new Error(`${queueNameOfArn(sourceArn)} has no dead letter queue`)),
      };
    }
    return createSqsBatchEffects(client, await urlOfArn(client, target));
  };

  return async (sourceArn) => {
    let effects = resolved.get(sourceArn);
    if (!effects) {
      effects = resolve(sourceArn);
      resolved.set(sourceArn, effects);
    }
    try {
      return await effects;
    } catch (err) {
      resolved.delete(sourceArn);
      logger.warn({ err, queue_arn: sourceArn }, 'could not inspect the source queue; retries and dead letters left to SQS');
      return undefined;
    }
  };
}

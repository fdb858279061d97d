import type { Config } from '../config.js';
import type { Logger } from '../logging/logger.js';
import type { Queue } from './queue.js';

/**
 * Build the {@link Queue} adapter `config.queue.driver` names: `memory` (the
 * embedded default of `npm start`, not durable), `rabbitmq` (`AMQP_URL`) or
 * `sqs` (`AWS_REGION`, `SQS_ENDPOINT` for emulators, `SQS_QUEUE_PREFIX`;
 * credentials come from the AWS SDK's default chain).
 *
 * Async because each adapter is imported only when chosen: a memory-only
 * process never loads amqplib or the AWS SDK.
 */
export async function createQueue(config: Config, logger: Logger): Promise<Queue> {
  const settings = config.queue;
  switch (settings.driver) {
    case 'memory': {
      const { createMemoryQueue } = await import('./memory-queue.js');
      return createMemoryQueue({ logger });
    }
    case 'rabbitmq': {
      if (!settings.amqpUrl) throw new Error('QUEUE_DRIVER=rabbitmq needs AMQP_URL');
      const { createRabbitQueue } = await import('./rabbit-queue.js');
      return createRabbitQueue({ url: settings.amqpUrl, prefix: settings.amqpQueuePrefix, logger });
    }
    case 'sqs': {
      const { createSqsQueue } = await import('./sqs-queue.js');
      return createSqsQueue({
        logger,
        region: settings.awsRegion,
        prefix: settings.sqsQueuePrefix,
        createQueues: settings.sqsCreateQueues,
        ...(settings.sqsEndpoint ? { endpoint: settings.sqsEndpoint } : {}),
      });
    }
  }
}

import type { Config } from '../config.js';
import type { Database } from '../db/create-db.js';
import type { Logger } from '../logging/logger.js';
import type { Queue } from './queue.js';

/**
 * Build the {@link Queue} adapter `config.queue.driver` names: `postgres`
 * (the default without `AMQP_URL`: a table in `database`, PGlite under
 * `DATA_DIR` for `npm start`), `rabbitmq` (`AMQP_URL`, `AMQP_QUEUE_TYPE`), `sqs` (`AWS_REGION`,
 * `SQS_ENDPOINT` for emulators, `SQS_QUEUE_PREFIX`; credentials come from the
 * AWS SDK's default chain) or `memory` (tests; not durable).
 *
 * Async because each adapter is imported only when chosen: a memory-only
 * process never loads amqplib or the AWS SDK.
 */
export async function createQueue(config: Config, logger: Logger, database?: Database): Promise<Queue> {
  const settings = config.queue;
  switch (settings.driver) {
    case 'postgres': {
      if (!database) throw new Error('QUEUE_DRIVER=postgres needs the database (DATABASE_URL, or PGlite under DATA_DIR)');
      const { createPostgresQueue } = await import('./postgres/postgres-queue.js');
      return createPostgresQueue({ database, logger });
    }
    case 'memory': {
      const { createMemoryQueue } = await import('./memory-queue.js');
      return createMemoryQueue({ logger });
    }
    case 'rabbitmq': {
      if (!settings.amqpUrl) throw new Error('QUEUE_DRIVER=rabbitmq needs AMQP_URL');
      const { createRabbitQueue } = await import('./rabbitmq/rabbit-queue.js');
      return createRabbitQueue({
        url: settings.amqpUrl,
        prefix: settings.amqpQueuePrefix,
        queueType: settings.amqpQueueType,
        logger,
      });
    }
    case 'sqs': {
      const { createSqsQueue } = await import('./sqs/sqs-queue.js');
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

// Child process of the contract suite's "consumer killed mid-batch" case (see spawn-stuck-consumer.ts):
// takes messages, never settles them, and waits to be SIGKILLed. With `crash`, it SIGKILLs itself on
// the first message instead (the poison-message case).
import { createLogger } from '../../logging/logger.js';
import type { RoutingKey } from '../../messages.js';
import type { Queue } from '../queue.js';
import type { StuckConsumerSpec } from './spawn-stuck-consumer.js';

const { spec, key, count, crash } = JSON.parse(process.argv[2] ?? '{}') as {
  spec: StuckConsumerSpec;
  key: RoutingKey;
  count: number;
  crash?: boolean;
};
const logger = createLogger({ level: 'silent', name: 'stuck-consumer' });

async function open(): Promise<Queue> {
  if (spec.driver === 'rabbitmq')
    return (await import('../rabbitmq/rabbit-queue.js')).createRabbitQueue({ ...spec.options, logger });
  if (spec.driver === 'postgres') {
    const { createDb } = await import('../../db/create-db.js');
    const database = await createDb({ databaseUrl: spec.options.databaseUrl, pgliteDir: 'memory://', poolSize: 2 });
    return (await import('../postgres/postgres-queue.js')).createPostgresQueue({ ...spec.options, database, logger });
  }
  const { createSqsQueue } = await import('../sqs/sqs-queue.js');
  return createSqsQueue({ ...spec.options, logger, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
}

let held = 0;
await (await open()).consume(
  key,
  () => {
    if (crash) process.kill(process.pid, 'SIGKILL');
    held++;
    if (held === count) process.stdout.write(`holding ${count}\n`);
    return new Promise(() => {});
  },
  { concurrency: count },
);

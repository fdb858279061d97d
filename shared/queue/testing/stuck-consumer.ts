// Child process of the contract suite's "consumer killed mid-batch" case (see spawn-stuck-consumer.ts):
// takes messages, never settles them, and waits to be SIGKILLed.
import { createLogger } from '../../logging/logger.js';
import type { RoutingKey } from '../../messages.js';
import type { Queue } from '../queue.js';
import type { StuckConsumerSpec } from './spawn-stuck-consumer.js';

const { spec, key, count } = JSON.parse(process.argv[2] ?? '{}') as { spec: StuckConsumerSpec; key: RoutingKey; count: number };
const logger = createLogger({ level: 'silent', name: 'stuck-consumer' });

async function open(): Promise<Queue> {
  if (spec.driver === 'rabbitmq') return (await import('../rabbit-queue.js')).createRabbitQueue({ ...spec.options, logger });
  const { createSqsQueue } = await import('../sqs-queue.js');
  return createSqsQueue({ ...spec.options, logger, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
}

let held = 0;
await (await open()).consume(
  key,
  () => {
    held++;
    if (held === count) process.stdout.write(`holding ${count}\n`);
    return new Promise(() => {});
  },
  { concurrency: count },
);

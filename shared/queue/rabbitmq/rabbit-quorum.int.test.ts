// @requires AMQP_URL
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../config.js';
import { AppError } from '../../errors.js';
import { createLogger } from '../../logging/logger.js';
import { createQueue } from '../create-queue.js';
import { queueContract } from '../queue.contract.js';
import type { Queue } from '../queue.js';
import { emailMessage } from '../testing/fixtures.js';
import { deleteRabbitRun } from '../testing/rabbit-cleanup.js';
import { createRabbitQueue } from './rabbit-queue.js';

// AMQP_QUEUE_TYPE=quorum on the RabbitMQ here (one node: quorum queues work there, replicated on none)
const url = process.env.AMQP_URL!;
const run = `quorum-${randomUUID().slice(0, 8)}`;
let made = 0;
const nextPrefix = () => `${run}-${++made}.`;
const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', name: 'test' });
const exec = promisify(execFile);
const DELIVERY_LIMIT = 3;

afterAll(() => deleteRabbitRun(url, run));

queueContract('rabbitmq, quorum queues', {
  make: async (policies) => {
    const prefix = nextPrefix();
    const options = { url, prefix, deliveryLimit: DELIVERY_LIMIT, queueType: 'quorum' as const };
    return { queue: createRabbitQueue({ ...options, logger, policies }), stuckConsumer: { driver: 'rabbitmq', options } };
  },
  retryPolicy: { baseDelayMs: 100, factor: 3 },
  priority: true,
  durable: true,
  deliveryLimit: DELIVERY_LIMIT,
});

/** Type and arguments of every queue under `prefix`, by name, as the broker reports them. */
async function queuesUnder(prefix: string): Promise<Map<string, { type: string; arguments: string }>> {
  const { stdout } = await exec('rabbitmqctl', ['list_queues', '-q', '--no-table-headers', 'name', 'type', 'arguments']);
  const out = new Map<string, { type: string; arguments: string }>();
  for (const line of stdout.split('\n')) {
    const [name, type, args] = line.split('\t');
    if (name?.startsWith(prefix)) out.set(name.slice(prefix.length), { type: type ?? '', arguments: args ?? '' });
  }
  return out;
}

describe('rabbitmq queue with AMQP_QUEUE_TYPE=quorum', () => {
  const open: Queue[] = [];
  afterAll(() => Promise.all(open.map((q) => q.close())));

  it('declares a quorum queue per key and band, with the delivery limit, and a quorum failed.queue', async () => {
    const prefix = nextPrefix();
    const queue = await createQueue(loadConfig({ AMQP_URL: url, AMQP_QUEUE_PREFIX: prefix, AMQP_QUEUE_TYPE: 'quorum' }), logger);
    open.push(queue);
    await queue.stats();

    const queues = await queuesUnder(prefix);
    for (const name of ['email.queue', 'email.normal.queue', 'email.high.queue', 'push.high.queue', 'failed.queue']) {
      expect(queues.get(name)?.type, name).toBe('quorum');
    }
    // the adapter's default limit of 5 deliveries is the broker's 4 returns
    expect(queues.get('email.high.queue')!.arguments).toMatch(/x-delivery-limit.*4/);
    expect(queues.get('email.high.queue')!.arguments).toMatch(/at-least-once/);
  });

  it('hands out every higher band before a lower one, whatever the publish order', async () => {
    const prefix = nextPrefix();
    const queue = createRabbitQueue({ url, logger, prefix, queueType: 'quorum' });
    open.push(queue);
    const sent = Array.from({ length: 18 }, (_, i) => emailMessage({ priority: [1, 5, 9][i % 3]! }));
    for (const message of sent) await queue.publish('email', message);
    await vi.waitFor(async () => expect((await queue.stats()).keys.email.depth).toBe(18), { timeout: 10_000 });

    const priorities: number[] = [];
    await queue.consume('email', async (m) => (priorities.push(m.priority), { type: 'done' }), { concurrency: 1 });

    await vi.waitFor(() => expect(priorities).toHaveLength(18), { timeout: 10_000 });
    expect(priorities).toEqual([...Array(6).fill(9), ...Array(6).fill(5), ...Array(6).fill(1)]);
  });

  it('retries through a quorum wait queue of the message band, and the retry comes back to that band', async () => {
    const prefix = nextPrefix();
    const queue = createRabbitQueue({
      url,
      logger,
      prefix,
      queueType: 'quorum',
      policies: { email: { baseDelayMs: 100, jitter: 0 } },
    });
    open.push(queue);
    const attempts: number[] = [];
    await queue.consume('email', async (_m, delivery) => {
      attempts.push(delivery.attempt);
      if (delivery.attempt === 1) throw new AppError('smtp_busy', 503, 'busy', { retryable: true });
      return { type: 'done' };
    });

    await queue.publish('email', emailMessage({ priority: 9 }));

    await vi.waitFor(() => expect(attempts).toEqual([1, 2]), { timeout: 10_000 });
    const waits = [...(await queuesUnder(prefix))].filter(([name]) => name.includes('.wait.'));
    expect(waits.map(([name, q]) => [name.replace(/\.wait\..*/, ''), q.type])).toEqual([['email.high', 'quorum']]);
  });
});

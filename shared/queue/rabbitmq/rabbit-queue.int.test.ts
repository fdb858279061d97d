// @requires AMQP_URL
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../config.js';
import { createLogger } from '../../logging/logger.js';
import { createQueue } from '../create-queue.js';
import { queueContract } from '../queue.contract.js';
import { emailMessage } from '../testing/fixtures.js';
import { deleteRabbitRun } from '../testing/rabbit-cleanup.js';
import { createRabbitQueue } from './rabbit-queue.js';
import { delayLevelMs, rabbitTopology } from './topology.js';

const url = process.env.AMQP_URL!;
const run = `test-${randomUUID().slice(0, 8)}`;
let made = 0;
const nextPrefix = () => `${run}-${++made}.`;
const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', name: 'test' });
const exec = promisify(execFile);
const DELIVERY_LIMIT = 3;

// every queue and exchange this file declared shares the run prefix
afterAll(() => deleteRabbitRun(url, run));

queueContract('rabbitmq', {
  make: async (policies) => {
    const prefix = nextPrefix();
    return {
      queue: createRabbitQueue({ url, logger, prefix, policies, deliveryLimit: DELIVERY_LIMIT }),
      stuckConsumer: { driver: 'rabbitmq', options: { url, prefix, deliveryLimit: DELIVERY_LIMIT } },
    };
  },
  retryPolicy: { baseDelayMs: 100, factor: 3 },
  priority: true,
  durable: true,
  deliveryLimit: DELIVERY_LIMIT,
});

/** Close exactly one client connection, by the name it gave the broker, as an operator or a network fault would. */
async function killConnection(connectionName: string): Promise<void> {
  const { stdout } = await exec('rabbitmqctl', ['list_connections', '-q', '--no-table-headers', 'pid', 'client_properties']);
  const line = stdout.split('\n').find((l) => l.includes(`"${connectionName}"`));
  if (!line) throw new Error(`no broker connection named ${connectionName}`);
  await exec('rabbitmqctl', ['close_connection', line.split('\t')[0]!, 'test kills the connection']);
}

describe('rabbitmq queue', () => {
  it('snaps retry delays up to a small geometric grid', () => {
    expect(delayLevelMs(0)).toBe(0);
    expect(delayLevelMs(100)).toBe(108);
    expect(delayLevelMs(1_000)).toBeGreaterThanOrEqual(1_000);
    const levels = new Set(Array.from({ length: 1_000 }, (_, i) => delayLevelMs(1_000 + i * 9)));
    expect(levels.size).toBeLessThanOrEqual(12);
  });

  it('takes its prefix from AMQP_QUEUE_PREFIX', async () => {
    const prefix = nextPrefix();
    const queue = await createQueue(loadConfig({ AMQP_URL: url, AMQP_QUEUE_PREFIX: prefix }), logger);
    await queue.publish('email', emailMessage());
    await queue.close();
    const connection = await amqp.connect(url);
    try {
      const channel = await connection.createChannel();
      expect((await channel.checkQueue(rabbitTopology(prefix).queue('email'))).messageCount).toBe(1);
    } finally {
      await connection.close();
    }
  });

  it('declares the seed topology: exchange, key queues and failed.queue', async () => {
    const prefix = nextPrefix();
    const queue = createRabbitQueue({ url, logger, prefix });
    await queue.stats();
    const names = rabbitTopology(prefix);
    const connection = await amqp.connect(url);
    const channel = await connection.createChannel();
    await channel.checkExchange(names.exchange);
    for (const name of [names.queue('email'), names.queue('push'), names.queue('status'), names.failedQueue]) {
      await channel.checkQueue(name);
    }
    await connection.close();
    await queue.close();
  });

  it('loses none of the confirmed messages when its connection is killed while publishing 10,000', async () => {
    const prefix = nextPrefix();
    const connectionName = `${prefix}publisher`;
    const lines: string[] = [];
    const watched = createLogger({
      level: 'info',
      name: 'test',
      destination: { write: (line: string) => void lines.push(line) },
    });
    const queue = createRabbitQueue({ url, logger: watched, prefix, connectionName });
    await queue.ping().catch(() => vi.waitFor(() => queue.ping(), { timeout: 10_000 }));
    const messages = Array.from({ length: 10_000 }, () => emailMessage());
    const confirmed = new Set<string>();
    let failed = 0;

    let killed: Promise<void> | undefined;
    for (let i = 0; i < messages.length; i += 200) {
      // the kill lands mid-stream: started after 2,000 confirms, and the last 2,000 wait for it to finish
      if (!killed && confirmed.size >= 2_000) killed = killConnection(connectionName);
      if (killed && i >= 8_000) await killed;
      await Promise.all(
        messages.slice(i, i + 200).map((m) =>
          queue.publish('email', m).then(
            () => void confirmed.add(m.notification_id),
            () => void failed++,
          ),
        ),
      );
    }
    await killed;

    const received = new Set<string>();
    await queue.consume('email', async (m) => (received.add(m.notification_id), { type: 'done' }), { concurrency: 200 });
    await vi.waitFor(() => expect(received.size).toBeGreaterThanOrEqual(confirmed.size), { timeout: 30_000, interval: 100 });

    expect(lines.some((l) => l.includes('connection lost'))).toBe(true);
    expect(lines.some((l) => l.includes('reconnected'))).toBe(true);
    expect(confirmed.size + failed).toBe(10_000);
    expect([...confirmed].filter((id) => !received.has(id))).toEqual([]);
    // publishes made while disconnected waited for the reconnect instead of failing
    expect(failed).toBe(0);
    await queue.close();
  }, 90_000);

  it('fails a publish loudly when the broker stays unreachable', async () => {
    const queue = createRabbitQueue({ url: 'amqp://guest:guest@127.0.0.1:1', logger, publishTimeoutMs: 300 });
    await expect(queue.publish('email', emailMessage())).rejects.toThrow(/unreachable/);
    await expect(queue.ping()).rejects.toThrow();
    await queue.close();
  });
});

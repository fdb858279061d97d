import { randomUUID } from 'node:crypto';
import { startFauxqs } from 'fauxqs';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../logging/logger.js';
import { queueContract } from '../queue.contract.js';
import { emailMessage } from '../testing/fixtures.js';
import { createSqsQueue } from './sqs-queue.js';

// a real SQS emulator in this process, on a free port: no service to install, no variable to set
let server: Promise<Awaited<ReturnType<typeof startFauxqs>>> | undefined;
const endpoint = async () => (await (server ??= startFauxqs({ port: 0, logger: false }))).address;
afterAll(async () => {
  if (server) await (await server).stop();
});

const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', name: 'test' });
const region = 'us-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

queueContract('sqs', {
  make: async (policies) => {
    const options = {
      endpoint: await endpoint(),
      region,
      prefix: `t${randomUUID().slice(0, 8)}-`,
      visibilityTimeoutSeconds: 1,
      waitTimeSeconds: 1,
    };
    return { queue: createSqsQueue({ ...options, logger, credentials, policies }), stuckConsumer: { driver: 'sqs', options } };
  },
  // visibility changes are whole seconds
  retryPolicy: { baseDelayMs: 1_000, factor: 2 },
  priority: false,
  durable: true,
});

describe('sqs queue', () => {
  it('refuses more headers than SQS attributes allow, and reserved names, before sending', async () => {
    const queue = createSqsQueue({ endpoint: await endpoint(), region, credentials, logger, prefix: 'limits-' });
    const headers = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`h${i}`, 'v']));
    await expect(queue.publish('email', emailMessage(), { headers })).rejects.toThrow(/at most 6 headers/);
    await expect(queue.publish('email', emailMessage(), { headers: { 'x-attempt': '9' } })).rejects.toThrow(/reserved/);
    await expect(queue.publish('email', emailMessage(), { delayMs: 16 * 60_000 })).rejects.toThrow(/at most 900 s/);
    await queue.close();
  });

  it('with createQueues off, only looks queues up: it fails loudly when they do not exist, and works once they do', async () => {
    const prefix = `own-${randomUUID().slice(0, 8)}-`;
    const owned = createSqsQueue({ endpoint: await endpoint(), region, credentials, logger, prefix, createQueues: false });
    await expect(owned.publish('email', emailMessage())).rejects.toThrow();
    // what infrastructure code would do: create them first
    const creator = createSqsQueue({ endpoint: await endpoint(), region, credentials, logger, prefix });
    await creator.publish('email', emailMessage());
    const lookup = createSqsQueue({ endpoint: await endpoint(), region, credentials, logger, prefix, createQueues: false });
    await expect(lookup.publish('email', emailMessage())).resolves.toBeUndefined();
    await Promise.all([owned.close(), creator.close(), lookup.close()]);
  });
});

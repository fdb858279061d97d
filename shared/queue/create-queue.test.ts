import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { createLogger } from '../logging/logger.js';
import { createQueue } from './create-queue.js';
import { emailMessage } from './testing/fixtures.js';

const logger = createLogger({ level: 'silent', name: 'test' });

describe('createQueue', () => {
  it('takes the postgres driver by default, which needs the database', async () => {
    await expect(createQueue(loadConfig({}), logger)).rejects.toThrow(/QUEUE_DRIVER=postgres needs the database/);
  });

  it('builds the memory queue', async () => {
    const queue = await createQueue(loadConfig({ QUEUE_DRIVER: 'memory' }), logger);
    const got: string[] = [];
    await queue.consume('email', async (m) => (got.push(m.notification_id), { type: 'done' }));
    const sent = emailMessage();
    await queue.publish('email', sent);
    await expect.poll(() => got).toEqual([sent.notification_id]);
    await queue.close();
  });

  it('builds an SQS queue from the SQS settings without touching the network', async () => {
    const queue = await createQueue(loadConfig({ QUEUE_DRIVER: 'sqs', SQS_ENDPOINT: 'http://127.0.0.1:1' }), logger);
    expect(typeof queue.publish).toBe('function');
    await queue.close();
  });
});

import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { createMemoryQueue } from './memory-queue.js';
import { queueContract } from './queue.contract.js';
import { emailMessage } from './testing/fixtures.js';

const logger = createLogger({ level: 'silent', name: 'test' });

queueContract('memory', {
  make: async (policies) => ({ queue: createMemoryQueue({ logger, policies }) }),
  retryPolicy: { baseDelayMs: 100, factor: 3 },
  priority: true,
  durable: false,
});

describe('memory queue', () => {
  it('refuses publishes after close instead of dropping them', async () => {
    const queue = createMemoryQueue({ logger });
    await queue.close();
    await expect(queue.publish('email', emailMessage())).rejects.toThrow(/closed/);
  });

  it('close waits for running handlers', async () => {
    const queue = createMemoryQueue({ logger });
    let finished = false;
    await queue.consume('email', async () => {
      await new Promise((r) => setTimeout(r, 50));
      finished = true;
      return { type: 'done' };
    });
    await queue.publish('email', emailMessage());
    await vi.waitFor(async () => expect((await queue.stats()).keys.email.inFlight).toBe(1));
    await queue.close();
    expect(finished).toBe(true);
  });
});

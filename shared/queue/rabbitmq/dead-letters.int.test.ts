// @requires AMQP_URL
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../logging/logger.js';
import { deadLetter } from '../queue.js';
import { emailMessage } from '../testing/fixtures.js';
import { createRabbitQueue } from './rabbit-queue.js';
import { dropRabbitTopology } from './topology.js';

const url = process.env.AMQP_URL!;
const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', name: 'test' });

// a quorum queue takes one Raft command per letter read, so its run reads fewer letters in fewer rounds
describe.each([
  { queueType: 'classic', letters: 110, rounds: 100 },
  { queueType: 'quorum', letters: 40, rounds: 30 },
] as const)(
  'rabbitmq dead letters, $queueType queues: listing never takes letters away from a redrive',
  ({ queueType, letters, rounds }) => {
    it(`lists and redrives by id concurrently, ${rounds} times: every listed letter is redriven`, async () => {
      const prefix = `test-dl-${randomUUID().slice(0, 8)}.`;
      const queue = createRabbitQueue({ url, logger, prefix, queueType });
      // another process (a second gateway replica, `npm run dlq`) on its own connection
      const other = createRabbitQueue({ url, logger, prefix, queueType });
      try {
        const consumer = await queue.consume('email', async () => deadLetter('refused by the test'));
        await queue.publishMany(
          'email',
          Array.from({ length: letters }, () => emailMessage()),
        );
        await expect.poll(async () => (await queue.stats()).deadLetterDepth, { timeout: 30_000 }).toBe(letters);
        // redriven letters stay in email.queue from here on
        await consumer.stop();

        for (let round = 0; round < rounds; round++) {
          const [listed] = await Promise.all([queue.deadLetters.list(), other.deadLetters.list()]);
          expect(listed.length).toBe(Math.min(100, letters - round));
          // the letter at the front is the one any concurrent listing holds first
          const [redriven, alongside] = await Promise.all([queue.deadLetters.redrive(listed[0]!.id), other.deadLetters.list()]);
          expect(redriven, `round ${round}: letter ${listed[0]!.id}`).toBe(1);
          expect(alongside.length).toBeGreaterThan(0);
        }
        expect((await queue.stats()).deadLetterDepth).toBe(letters - rounds);
        // and "redrive all" takes every letter, whatever is listed at the same time
        const [all] = await Promise.all([queue.deadLetters.redrive('all'), other.deadLetters.list(), queue.deadLetters.list()]);
        expect(all).toBe(letters - rounds);
        expect((await queue.stats()).deadLetterDepth).toBe(0);
      } finally {
        await Promise.all([queue.close(), other.close()]);
        await dropRabbitTopology(url, prefix);
      }
    }, 120_000);
  },
);

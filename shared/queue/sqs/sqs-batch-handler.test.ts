import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors.js';
import { createLogger } from '../../logging/logger.js';
import { emailMessage } from '../testing/fixtures.js';
import { createSqsBatchHandler, type SqsBatchEffects, type SqsRecord } from './sqs-batch-handler.js';

const logger = createLogger({ level: 'silent', name: 'test' });
const policy = { maxAttempts: 3, baseDelayMs: 2_000, factor: 2, maxDelayMs: 60_000, jitter: 0 };

function record(id: string, body: unknown, receiveCount = 1): SqsRecord {
  return {
    messageId: id,
    receiptHandle: `rh-${id}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: { ApproximateReceiveCount: String(receiveCount) },
    messageAttributes: { tenant: { stringValue: 'acme', dataType: 'String' } },
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:email-queue',
  };
}

const outcomes = {
  ok: { type: 'done' },
  busy: { type: 'retry', reason: 'busy' },
  gone: { type: 'dead_letter', reason: 'hard bounce' },
} as const;

describe('createSqsBatchHandler', () => {
  const handler = createSqsBatchHandler(
    'email',
    async (m, delivery) => {
      expect(delivery.headers).toEqual({ tenant: 'acme' });
      if (m.template_code === 'throw') throw new AppError('smtp', 503, 'down', { retryable: true });
      return outcomes[m.template_code as keyof typeof outcomes];
    },
    { logger, policy },
  );

  it('as a pure function: reports every record that was not handled', async () => {
    const result = await handler({
      Records: [
        record('a', emailMessage({ template_code: 'ok' })),
        record('b', emailMessage({ template_code: 'busy' })),
        record('c', emailMessage({ template_code: 'gone' })),
        record('d', 'not json'),
        record('e', emailMessage({ template_code: 'throw' })),
      ],
    });
    expect(result).toEqual({ batchItemFailures: ['b', 'c', 'd', 'e'].map((id) => ({ itemIdentifier: id })) });
  });

  it('with effects: delays retries by the policy, dead-letters with the reason and reports those handled', async () => {
    const calls: string[] = [];
    const effects: SqsBatchEffects = {
      delay: async (r, seconds) => void calls.push(`delay ${r.messageId} ${seconds}`),
      deadLetter: async (r, key, reason, attempt) => void calls.push(`dead ${r.messageId} ${key} ${attempt} ${reason}`),
    };
    const withEffects = createSqsBatchHandler('email', async (m) => outcomes[m.template_code as keyof typeof outcomes], {
      logger,
      policy,
      effects,
    });
    const result = await withEffects({
      Records: [
        record('a', emailMessage({ template_code: 'busy' }), 2),
        record('b', emailMessage({ template_code: 'gone' })),
        record('c', emailMessage({ template_code: 'busy' }), 3),
      ],
    });
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'a' }]);
    expect(calls.sort()).toEqual(['dead b email 1 hard bounce', 'dead c email 3 gave up after 3 attempts: busy', 'delay a 4']);
  });
});

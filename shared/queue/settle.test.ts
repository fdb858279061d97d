import { describe, expect, it } from 'vitest';
import { AppError, RateLimitedError } from '../errors.js';
import { createLogger } from '../logging/logger.js';
import type { RetryPolicy } from '../messages.js';
import { decide, outcomeOfError, settle } from './settle.js';
import { emailMessage } from './testing/fixtures.js';

const policy: RetryPolicy = { maxAttempts: 3, baseDelayMs: 100, factor: 2, maxDelayMs: 1_000, jitter: 0 };
const logger = createLogger({ level: 'silent', name: 'test' });

describe('decide', () => {
  it('acks done and dead-letters a permanent failure whatever the attempt', () => {
    expect(decide({ type: 'done' }, 1, policy, 0)).toEqual({ action: 'ack' });
    expect(decide({ type: 'dead_letter', reason: 'gone' }, 1, policy, 0)).toEqual({ action: 'dead_letter', reason: 'gone' });
  });

  it('retries with the policy delay until the last attempt, then dead-letters with the reason', () => {
    expect(decide({ type: 'retry', reason: 'busy' }, 1, policy, 0)).toEqual({
      action: 'retry',
      delayMs: 100,
      nextAttempt: 2,
      reason: 'busy',
    });
    expect(decide({ type: 'retry', reason: 'busy' }, 2, policy, 0)).toMatchObject({ delayMs: 200, nextAttempt: 3 });
    expect(decide({ type: 'retry', reason: 'busy' }, 3, policy, 0)).toEqual({
      action: 'dead_letter',
      reason: 'gave up after 3 attempts: busy',
    });
  });

  it('honours a handler delay (e.g. Retry-After), capped by the policy', () => {
    expect(decide({ type: 'retry', reason: '429', delayMs: 700 }, 1, policy, 0)).toMatchObject({ delayMs: 700 });
    expect(decide({ type: 'retry', reason: '429', delayMs: 60_000 }, 1, policy, 0)).toMatchObject({ delayMs: 1_000 });
  });
});

describe('outcomeOfError', () => {
  it('retries retryable AppErrors and dead-letters everything else', () => {
    expect(outcomeOfError(new RateLimitedError(1))).toMatchObject({ type: 'retry' });
    expect(outcomeOfError(new AppError('bad', 422, 'no'))).toMatchObject({ type: 'dead_letter', reason: 'AppError: no' });
    expect(outcomeOfError(new Error('boom'))).toMatchObject({ type: 'dead_letter' });
    expect(outcomeOfError('string')).toEqual({ type: 'dead_letter', reason: 'string' });
  });
});

describe('settle', () => {
  const delivery = { id: 'm1', attempt: 2, headers: {} };

  it('dead-letters a body that is not JSON', async () => {
    const result = await settle('email', 'not json', delivery, async () => ({ type: 'done' }), { logger, policy });
    expect(result).toEqual({ action: 'dead_letter', reason: 'invalid message: body is not JSON' });
  });

  it('hands the handler the broker attempt', async () => {
    let attempt = 0;
    await settle('email', JSON.stringify(emailMessage()), delivery, async (m) => ((attempt = m.attempt), { type: 'done' }), {
      logger,
      policy,
    });
    expect(attempt).toBe(2);
  });
});

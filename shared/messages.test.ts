import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MESSAGES, type MessageInput, nextDelayMs, type RetryPolicy, retryPolicies } from './messages.js';

const policy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 100, factor: 2, maxDelayMs: 1_000, jitter: 0.5 };

describe('nextDelayMs', () => {
  it('grows exponentially from the base delay', () => {
    expect([1, 2, 3, 4].map((attempt) => nextDelayMs(policy, attempt, 0))).toEqual([100, 200, 400, 800]);
  });

  it('is capped at maxDelayMs', () => {
    expect(nextDelayMs(policy, 5, 0)).toBe(1_000);
    expect(nextDelayMs(policy, 500, 0)).toBe(1_000);
  });

  it('takes up to `jitter` of the delay off, never adds', () => {
    expect(nextDelayMs(policy, 2, 0.999_999)).toBe(100);
    expect(nextDelayMs(policy, 2, 0.5)).toBe(150);
    expect(nextDelayMs({ ...policy, jitter: 0 }, 2, 0.7)).toBe(200);
  });
});

describe('message catalog', () => {
  const email: MessageInput<'email'> = {
    notification_id: randomUUID(),
    request_id: 'req-1',
    correlation_id: 'corr-1',
    attempt: 1,
    priority: 5,
    user_id: randomUUID(),
    template_code: 'welcome',
    template_version: 3,
    language: 'en',
    variables: { name: 'Ada' },
    to: 'ada@example.com',
  };

  it('accepts a complete email message and defaults metadata', () => {
    expect(MESSAGES.email.schema.parse(email).metadata).toEqual({});
  });

  it('names the failing fields', () => {
    const result = MESSAGES.email.schema.safeParse({ ...email, to: 'nope', template_version: 'latest' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['template_version', 'to']);
  });

  it('takes a status update with optional provider facts', () => {
    const status = {
      notification_id: email.notification_id,
      status: 'delivered',
      channel: 'email',
      timestamp: new Date().toISOString(),
      attempt: 2,
      provider: 'smtp',
      provider_message_id: '<abc@mail>',
    };
    expect(MESSAGES.status.schema.parse(status)).toEqual(status);
    expect(MESSAGES.status.schema.safeParse({ ...status, status: 'lost' }).success).toBe(false);
  });

  it('lets tests override one field of a policy', () => {
    expect(retryPolicies({ push: { baseDelayMs: 5 } }).push).toEqual({ ...MESSAGES.push.retry, baseDelayMs: 5 });
  });
});

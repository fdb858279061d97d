import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '../errors.js';
import { createLogger } from '../logging/logger.js';
import type { StatusMessage } from '../messages.js';
import { createDeliveryCore, type DeliveryCoreDeps } from './delivery-core.js';
import type { DeliveryLedger } from './delivery-ledger.js';
import { createMemoryLedger } from './memory-ledger.js';
import { createSendPolicy } from './send-policy.js';
import { fakeRecipients } from './testing/test-delivery-core.js';

const logger = createLogger({ level: 'silent', name: 'test' });

/** What postgres.js rejects with while the database refuses connections. */
const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

/** Fails the first `times` calls with `error`, then calls through. */
function failing<A extends unknown[], R>(times: number, error: () => Error, call: (...args: A) => Promise<R>) {
  let left = times;
  const wrapped = async (...args: A): Promise<R> => {
    if (left-- > 0) throw error();
    return call(...args);
  };
  return Object.assign(wrapped, { calls: () => times - left });
}

function setup(options: { ledger?: DeliveryLedger; policy?: DeliveryCoreDeps['policy']; outageWaitMs?: number }) {
  const published: StatusMessage[] = [];
  const sends: string[] = [];
  const core = createDeliveryCore({
    channel: 'email',
    ledger: options.ledger ?? createMemoryLedger(),
    queue: {
      async publishMany(_key, messages) {
        published.push(...(messages as StatusMessage[]));
      },
    },
    policy:
      options.policy ??
      createSendPolicy({ users: fakeRecipients({ fallback: true }), suppressions: { isSuppressed: async () => false } }),
    logger,
    maxAttempts: 6,
    outageRetryMs: 1,
    outageWaitMs: options.outageWaitMs ?? 60_000,
  });
  const steps = {
    prepare: async () => ({ ok: true as const, category: 'news', content: 'hello' }),
    send: async ({ recipient }: { recipient: { email: string } }) => {
      sends.push(recipient.email);
      return { kind: 'delivered' as const, fields: { provider: 'smtp' } };
    },
  };
  const message = { notification_id: randomUUID(), user_id: randomUUID() };
  const delivery = { id: randomUUID(), attempt: 1, headers: {} };
  return { core, published, sends, steps, message, delivery };
}

describe('delivery core while a dependency of the platform is down', () => {
  it('a claim refused by the database waits for it: delivered on the same attempt, no retry used up', async () => {
    const memory = createMemoryLedger();
    const claim = failing(5, refused, memory.claim.bind(memory));
    const t = setup({ ledger: { ...memory, claim: claim as DeliveryLedger['claim'] } });

    expect(await t.core.run(t.message, t.delivery, t.steps)).toEqual({ type: 'done' });
    expect(claim.calls()).toBe(6);
    expect(t.sends).toHaveLength(1);
    expect(t.published.map((s) => s.status)).toEqual(['sending', 'delivered']);
  });

  it('a recipient lookup the cache cannot answer (503) waits too, instead of a "will retry" with backoff', async () => {
    const recipients = fakeRecipients({ fallback: true });
    const getRecipient = failing(3, () => new ServiceUnavailableError('cache unavailable'), recipients.getRecipient);
    const policy = createSendPolicy({ users: { getRecipient }, suppressions: { isSuppressed: async () => false } });
    const t = setup({ policy });

    expect(await t.core.run(t.message, t.delivery, t.steps)).toEqual({ type: 'done' });
    expect(t.published.map((s) => s.status)).toEqual(['sending', 'delivered']);
  });

  it('a record that cannot be written after the send is written once the database is back, and nothing is released', async () => {
    const memory = createMemoryLedger();
    const complete = failing(4, refused, memory.complete.bind(memory));
    let releases = 0;
    const t = setup({ ledger: { ...memory, complete, release: async (...a) => (releases++, memory.release(...a)) } });

    expect(await t.core.run(t.message, t.delivery, t.steps)).toEqual({ type: 'done' });
    expect(t.sends).toHaveLength(1);
    expect(releases).toBe(0);
    expect(
      await memory.claim({ channel: 'email', notificationId: t.message.notification_id }, randomUUID(), 1_000),
    ).toMatchObject({
      state: 'completed',
    });
  });

  it('an outage longer than the wait hands the message back for a short fixed delay, not the provider backoff', async () => {
    const memory = createMemoryLedger();
    const claim = failing(Number.POSITIVE_INFINITY, refused, memory.claim.bind(memory));
    const t = setup({ ledger: { ...memory, claim: claim as DeliveryLedger['claim'] }, outageWaitMs: 0 });

    expect(await t.core.run(t.message, t.delivery, t.steps)).toEqual({
      type: 'retry',
      reason: expect.stringMatching(/delivery ledger unavailable: connect ECONNREFUSED/),
      delayMs: 5_000,
    });
    expect(t.sends).toEqual([]);
  });
});

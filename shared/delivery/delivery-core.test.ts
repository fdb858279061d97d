import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import type { StatusMessage } from '../messages.js';
import type { Delivery } from '../queue/queue.js';
import { createDeliveryCore, type SendResult } from './delivery-core.js';
import type { DeliveryLedger } from './delivery-ledger.js';
import { createMemoryLedger } from './memory-ledger.js';
import { createSendPolicy } from './send-policy.js';
import { fakeRecipients } from './testing/test-delivery-core.js';

const logger = createLogger({ level: 'silent', name: 'test' });

function setup(options: { ledger?: DeliveryLedger; failPublish?: () => boolean } = {}) {
  const published: StatusMessage[] = [];
  const recipients = fakeRecipients({ fallback: true });
  const core = createDeliveryCore({
    channel: 'email',
    ledger: options.ledger ?? createMemoryLedger(),
    queue: {
      async publishMany(_key, messages) {
        if (options.failPublish?.()) throw new Error('broker down');
        published.push(...(messages as StatusMessage[]));
      },
    },
    policy: createSendPolicy({ users: recipients, suppressions: { isSuppressed: async () => false } }),
    logger,
    maxAttempts: 3,
    leaseMs: 30_000,
  });
  const sends: string[] = [];
  const steps = (result: SendResult = { kind: 'delivered', fields: { provider: 'smtp' } }) => ({
    prepare: async () => ({ ok: true as const, category: 'news', content: 'hello' }),
    send: async ({ recipient }: { recipient: { email: string } }) => (sends.push(recipient.email), result),
  });
  const message = { notification_id: randomUUID(), user_id: randomUUID() };
  const delivery = (attempt = 1, id = randomUUID()): Delivery => ({ id, attempt, headers: {} });
  return { core, published, recipients, sends, steps, message, delivery };
}

describe('delivery core', () => {
  it('records a send before reporting it: a failed report is repeated on redelivery, the send is not', async () => {
    let brokerDown = false;
    const t = setup({ failPublish: () => brokerDown });
    const first = t.core.run(t.message, t.delivery(), {
      ...t.steps(),
      send: async (input) => {
        t.sends.push(input.recipient.email);
        brokerDown = true;
        return { kind: 'delivered', fields: { provider: 'smtp' } };
      },
    });
    // the queue adapter turns the throw into a retry
    await expect(first).rejects.toThrow(/broker down/);
    brokerDown = false;

    const again = await t.core.run(t.message, t.delivery(2), t.steps());

    expect(again).toEqual({ type: 'done' });
    expect(t.sends).toHaveLength(1);
    expect(t.published.map((s) => s.status)).toEqual(['sending', 'delivered']);
  });

  it('keeps the lease when the record could not be written, so a quick redelivery waits instead of sending', async () => {
    const ledger = createMemoryLedger();
    let ledgerDown = false;
    const flaky: DeliveryLedger = {
      ...ledger,
      complete: async (...args) => {
        if (ledgerDown) throw new Error('database down');
        return ledger.complete(...args);
      },
    };
    const t = setup({ ledger: flaky });
    ledgerDown = true;
    await expect(t.core.run(t.message, t.delivery(), t.steps())).rejects.toThrow(/database down/);
    ledgerDown = false;

    const again = await t.core.run(t.message, t.delivery(2), t.steps());

    expect(again).toMatchObject({ type: 'retry', reason: expect.stringMatching(/in progress/) });
    expect((again as { delayMs: number }).delayMs).toBeGreaterThan(20_000);
    expect(t.sends).toHaveLength(1);
  });

  it('a skip verdict ends the notification with the reason, sends nothing, and is repeated to a redelivery', async () => {
    const t = setup();
    t.recipients.set(t.message.user_id, 'ada@example.com', { email: false });

    expect(await t.core.run(t.message, t.delivery(), t.steps())).toEqual({ type: 'done' });
    await t.core.run(t.message, t.delivery(), t.steps());

    expect(t.sends).toEqual([]);
    expect(t.published.map((s) => [s.status, s.error])).toEqual([
      ['skipped', 'opted_out'],
      ['skipped', 'opted_out'],
    ]);
  });

  it('retries transient failures with "will retry", and on the last attempt reports "gave up after N attempts"', async () => {
    const t = setup();
    const busy = t.steps({ kind: 'retry', reason: '451 greylisted', fields: { response: '451 4.7.1' } });

    expect(await t.core.run(t.message, t.delivery(1), busy)).toEqual({ type: 'retry', reason: '451 greylisted' });
    expect(await t.core.run(t.message, t.delivery(3), busy)).toEqual({
      type: 'dead_letter',
      reason: 'gave up after 3 attempts: 451 greylisted',
    });
    expect(t.published.filter((s) => s.status !== 'sending').map((s) => [s.status, s.error, s.response])).toEqual([
      ['pending', 'will retry: 451 greylisted', '451 4.7.1'],
      ['failed', 'gave up after 3 attempts: 451 greylisted', '451 4.7.1'],
    ]);
  });

  it('clips provider text to what the status catalog accepts', async () => {
    const t = setup();
    await t.core.run(t.message, t.delivery(), t.steps({ kind: 'failed', reason: 'x'.repeat(5000) }));
    const failed = t.published.find((s) => s.status === 'failed')!;
    expect(failed.error).toHaveLength(2000);
    expect(failed.error!.endsWith('…')).toBe(true);
  });
});

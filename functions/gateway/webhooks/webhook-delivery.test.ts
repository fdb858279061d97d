import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processEnv } from '../../../shared/config.js';
import { createLogger } from '../../../shared/logging/logger.js';
import { createMemoryQueue } from '../../../shared/queue/memory-queue.js';
import { done } from '../../../shared/queue/queue.js';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { openPlatform, type PlatformKit } from '../test-support/platform-kit.js';
import { startWebhookReceiver, type WebhookReceiver } from '../test-support/webhook-receiver.js';

/**
 * The issue asks for 1,000 notifications and a receiver down for the first
 * 30 s. On a small shared machine the defaults are 200 notifications and a
 * 5 s outage, with the `webhook` retry delays shortened (0.5 s doubling, at
 * most 2 s) so the run stays well under a minute; set
 * WEBHOOK_TEST_NOTIFICATIONS=1000 WEBHOOK_TEST_OUTAGE_MS=30000 for the full size.
 */
const env = processEnv();
const N = Number(env.WEBHOOK_TEST_NOTIFICATIONS ?? 200);
const OUTAGE_MS = Number(env.WEBHOOK_TEST_OUTAGE_MS ?? 5_000);
const TEST_RETRY = { baseDelayMs: 500, factor: 2, maxDelayMs: 2_000, jitter: 0.2 };
// generous: on a loaded machine (other suites beside this one) the whole run has been seen to take a minute
const SETTLE_MS = OUTAGE_MS + 75_000;

describe.each(testDatabases())('outbound webhooks on $kind', (target) => {
  let kit: PlatformKit;
  let receiver: WebhookReceiver;
  let endpointId: string;

  beforeAll(async () => {
    receiver = await startWebhookReceiver({ outageMs: OUTAGE_MS });
    const logger = createLogger({ level: 'silent', name: 'test' });
    kit = await openPlatform(target, {
      // the receiver is on this machine: a local host the outbound policy must be told about
      // and its circuit, open during the outage, probes again after 1 s rather than a minute (the retries here are short)
      env: { RATE_LIMIT_PER_USER_PER_MINUTE: '1000000', WEBHOOK_LOCAL_HOSTS: '127.0.0.1', WEBHOOK_CIRCUIT_RESET_MS: '1000' },
      queue: createMemoryQueue({ logger, policies: { webhook: TEST_RETRY } }),
    });
    // a stand-in email worker: it reports `sending` for each notification it takes
    await kit.infra.queue.consume('email', async (m) => {
      await report(m.notification_id, 'sending');
      return done();
    });
    const created = await kit.request('POST', '/api/v1/webhooks', {
      body: { url: receiver.url, events: ['notification.sent', 'notification.delivered', 'notification.failed'] },
    });
    expect(created.status).toBe(201);
    endpointId = created.body.data.id;
    receiver.secret = created.body.data.secret;
  }, 60_000);
  afterAll(async () => {
    await kit?.close();
    await receiver?.close();
  });

  const report = (notification_id: string, status: 'sending' | 'delivered' | 'failed') =>
    kit.infra.queue.publish('status', {
      notification_id,
      status,
      channel: 'email',
      timestamp: new Date().toISOString(),
      attempt: 1,
      provider: 'smtp',
      ...(status === 'failed' && { error: 'SMTP 550' }),
    });

  const countWithStatus = async (status: string): Promise<number> =>
    (await kit.request('GET', `/api/v1/notifications?status=${status}&limit=1`, { auth: kit.sendKey })).body.meta.total;

  it(
    `every status change of ${N} notifications arrives, verified, exactly once by webhook-id, through the receiver's first ${OUTAGE_MS} ms of 503s`,
    async () => {
      const user = await kit.createUser();
      const ids: string[] = [];
      for (let offset = 0; offset < N; offset += 500) {
        const items = Array.from({ length: Math.min(500, N - offset) }, () => ({
          notification_type: 'email',
          user_id: user.id,
          template_code: 'kit_welcome',
          variables: { name: 'Ada' },
          request_id: randomUUID(),
        }));
        const batch = await kit.request('POST', '/api/v1/notifications/batch', {
          auth: kit.sendKey,
          body: { notifications: items },
        });
        expect(batch.status).toBe(207);
        ids.push(...batch.body.data.items.map((i: { data: { notification_id: string } }) => i.data.notification_id));
      }
      expect(ids).toHaveLength(N);
      // every one is `sending` (the stand-in worker took it) before the outcome is reported, so each notification
      // moves through exactly two statuses: sending, then delivered (even) or failed (odd)
      await expect.poll(() => countWithStatus('sending'), { timeout: 30_000, interval: 200 }).toBe(N);
      await Promise.all(ids.map((id, i) => report(id, i % 2 === 0 ? 'delivered' : 'failed')));

      const expected = new Set(
        ids.flatMap((id, i) => [
          `${id} notification.sent`,
          `${id} ${i % 2 === 0 ? 'notification.delivered' : 'notification.failed'}`,
        ]),
      );
      const unique = () => new Map(receiver.received.map((r) => [r.id, r]));
      await expect
        .poll(() => unique().size, { timeout: SETTLE_MS, interval: 250 })
        .toBe(expected.size)
        .catch(async (err: Error) => {
          // say where the missing ones stand, so a failure explains itself
          const counts: Record<string, number> = {};
          for (const d of await allDeliveries()) {
            const key = `${d.status}/${d.last_error}/${d.attempts}`;
            counts[key] = (counts[key] ?? 0) + 1;
          }
          throw new Error(
            `${err.message}; refused ${receiver.refused}; deliveries by status/last_error/attempts: ${JSON.stringify(counts)}`,
          );
        });

      expect(receiver.unverified).toEqual([]);
      expect(receiver.refused).toBeGreaterThan(0);
      const events = [...unique().values()].map((r) => `${r.notificationId} ${r.type}`);
      // each status change under exactly one webhook-id, and nothing else
      expect(new Set(events).size).toBe(events.length);
      expect(new Set(events)).toEqual(expected);

      // the delivery log (written just after each answer): all delivered, those the outage refused in more than one attempt
      await expect
        .poll(async () => (await allDeliveries()).filter((d) => d.status === 'delivered').length, { timeout: 10_000 })
        .toBe(expected.size);
      const log = await allDeliveries();
      expect(log).toHaveLength(expected.size);
      for (const d of log) {
        expect(d).toMatchObject({ status: 'delivered', response_code: 200, last_error: null });
        expect(d.latency_ms).toEqual(expect.any(Number));
      }
      expect(log.some((d) => d.attempts > 1)).toBe(true);
    },
    SETTLE_MS + 40_000,
  );

  type LoggedDelivery = { id: string; attempts: number; status: string; latency_ms: number | null; last_error: string | null };
  async function allDeliveries(): Promise<LoggedDelivery[]> {
    const all = [];
    for (let page = 1; ; page += 1) {
      const res = await kit.request('GET', `/api/v1/webhooks/${endpointId}/deliveries?limit=100&page=${page}`);
      all.push(...res.body.data);
      if (!res.body.meta.has_next) return all;
    }
  }

  it('redelivers one delivery with the same webhook-id, signed by the old and the new secret after a rotation', async () => {
    const [first] = await allDeliveries();
    const oldSecret = receiver.secret!;
    const rotated = await kit.request('POST', `/api/v1/webhooks/${endpointId}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.data.secret).toMatch(/^whsec_/);
    expect(rotated.body.data.secret).not.toBe(oldSecret);
    receiver.secret = rotated.body.data.secret;
    const before = receiver.received.length;

    const again = await kit.request('POST', `/api/v1/webhooks/${endpointId}/deliveries/${first!.id}/redeliver`);
    expect(again.status).toBe(202);
    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(before + 1);
    const redelivered = receiver.received.at(-1)!;
    expect(redelivered.id).toBe(first!.id);
    expect(redelivered.signatures).toHaveLength(2);
    // a receiver still holding the old secret verifies it too
    expect(() => new Webhook(oldSecret).verify(redelivered.body, redelivered.headers)).not.toThrow();
    expect(receiver.unverified).toEqual([]);
  });
});

import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../shared/logging/logger.js';
import { createMemoryQueue } from '../../../shared/queue/memory-queue.js';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { openPlatform, type PlatformKit } from '../test-support/platform-kit.js';
import { startWebhookReceiver, type WebhookReceiver } from '../test-support/webhook-receiver.js';
import { webhookEndpointStats, webhookEndpoints } from './webhook-schema.js';

const DAY_MS = 24 * 3_600_000;
// short retries (0.3 s doubling) so an outage of 1.5 s is over after a few attempts
const TEST_RETRY = { baseDelayMs: 300, factor: 2, maxDelayMs: 1_000, jitter: 0 };

/** Endpoint health through a receiver's outage, and the event an automatic disable raises. */
describe.each(testDatabases())('webhook endpoint health on $kind', (target) => {
  let kit: PlatformKit;
  const receivers: WebhookReceiver[] = [];
  beforeAll(async () => {
    kit = await openPlatform(target, {
      env: { WEBHOOK_LOCAL_HOSTS: '127.0.0.1', WEBHOOK_CIRCUIT_RESET_MS: '500' },
      queue: createMemoryQueue({ logger: createLogger({ level: 'silent', name: 'test' }), policies: { webhook: TEST_RETRY } }),
    });
  });
  afterAll(async () => {
    await kit?.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  async function endpointAt(outageMs: number, events: string[]) {
    const receiver = await startWebhookReceiver({ outageMs });
    receivers.push(receiver);
    const created = await kit.request('POST', '/api/v1/webhooks', { body: { url: receiver.url, events } });
    expect(created.status).toBe(201);
    receiver.secret = created.body.data.secret;
    return { id: created.body.data.id as string, receiver };
  }
  const healthOf = async (id: string) => (await kit.request('GET', `/api/v1/webhooks/${id}`)).body.data.health;
  const sendOne = async () => {
    const user = await kit.createUser();
    const res = await kit.request('POST', '/api/v1/notifications', {
      auth: kit.sendKey,
      body: {
        notification_type: 'email',
        user_id: user.id,
        template_code: 'kit_welcome',
        variables: { name: 'A' },
        request_id: randomUUID(),
      },
    });
    expect(res.status).toBe(202);
    return res.body.data.notification_id as string;
  };

  it('shows the backlog while the receiver is down, then the success rate and the last error after it recovered', async () => {
    const { id, receiver } = await endpointAt(1_500, ['notification.accepted']);
    // counters from before the window: not counted; those past two days are deleted by the next attempt
    const hoursAgo = (h: number) => new Date(Math.floor(Date.now() / 3_600_000 - h) * 3_600_000);
    await kit.infra.database.db.insert(webhookEndpointStats).values([
      { endpointId: id, hour: hoursAgo(30), attempts: 7, delivered: 0 },
      { endpointId: id, hour: hoursAgo(72), attempts: 5, delivered: 0 },
    ]);
    expect(await healthOf(id)).toEqual({
      state: 'healthy',
      window_hours: 24,
      attempts: 0,
      success_rate: null,
      backlog: 0,
      last_error: null,
    });
    await sendOne();
    await expect.poll(async () => (await healthOf(id)).state, { timeout: 10_000, interval: 50 }).toBe('failing');
    expect((await healthOf(id)).backlog).toBe(1);

    await expect.poll(() => receiver.received.length, { timeout: 20_000 }).toBe(1);
    await expect.poll(async () => (await healthOf(id)).backlog, { timeout: 5_000 }).toBe(0);
    const health = await healthOf(id);
    expect(health).toMatchObject({ state: 'healthy', last_error: { code: 'http_503', status: 503 } });
    expect(health.attempts).toBe(receiver.refused + 1);
    expect(health.success_rate).toBeCloseTo(1 / health.attempts);
    expect(Date.now() - Date.parse(health.last_error.at)).toBeLessThan(60_000);
    const kept = await kit.infra.database.db
      .select({ hour: webhookEndpointStats.hour })
      .from(webhookEndpointStats)
      .where(eq(webhookEndpointStats.endpointId, id));
    expect(kept.map((r) => r.hour.getTime())).not.toContain(hoursAgo(72).getTime());
    expect(kept.map((r) => r.hour.getTime())).toContain(hoursAgo(30).getTime());
    // the list answers the same shape
    const listed = (await kit.request('GET', '/api/v1/webhooks?limit=100')).body.data.find((e: { id: string }) => e.id === id);
    expect(listed.health).toEqual(health);
  });

  it('raises webhook_endpoint.disabled to a sibling endpoint when one is disabled for failing too long', async () => {
    const dead = await endpointAt(10 * DAY_MS, ['notification.accepted']);
    const sibling = await endpointAt(0, ['webhook_endpoint.disabled']);
    // failing for six days already: its next failed attempt passes WEBHOOK_DISABLE_AFTER_HOURS (120)
    await kit.infra.database.db
      .update(webhookEndpoints)
      .set({ failingSince: new Date(Date.now() - 6 * DAY_MS) })
      .where(eq(webhookEndpoints.id, dead.id));
    await sendOne();

    await expect.poll(() => sibling.receiver.received.length, { timeout: 20_000 }).toBe(1);
    const event = JSON.parse(sibling.receiver.received[0]!.body);
    expect(event).toMatchObject({
      type: 'webhook_endpoint.disabled',
      data: {
        id: dead.id,
        enabled: false,
        disabled_reason: 'every attempt failed for 120 hours',
        health: { state: 'disabled', last_error: { code: 'http_503' } },
      },
    });
    expect(sibling.receiver.unverified).toEqual([]);
    expect(kit.infra.logLines.some((l) => l.includes('"level":40') && l.includes(dead.id) && l.includes('disabled'))).toBe(true);
    expect((await healthOf(dead.id)).state).toBe('disabled');
  });
});

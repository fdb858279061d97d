import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSafeOutbound, type SafeOutbound } from '../../../shared/net/safe-outbound.js';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { openPlatform, type PlatformKit } from '../test-support/platform-kit.js';
import { startWebhookReceiver, type WebhookReceiver } from '../test-support/webhook-receiver.js';
import { createDeliverWebhook } from './deliver-webhook.js';
import { createEndpointBreakers } from './endpoint-breakers.js';
import { webhookDeliveries, webhookEndpoints } from './webhook-schema.js';
import { createWebhookStore } from './webhook-store.js';

const DAY_MS = 24 * 3_600_000;

/** An endpoint that keeps failing: its circuit opens (nothing more is sent for a while), and after days it is disabled. */
describe.each(testDatabases())('a failing webhook endpoint on $kind', (target) => {
  let kit: PlatformKit;
  let down: WebhookReceiver;
  let outbound: SafeOutbound;
  beforeAll(async () => {
    kit = await openPlatform(target, { env: { WEBHOOK_LOCAL_HOSTS: '127.0.0.1' } });
    // a receiver that answers 503 to everything (its outage never ends)
    down = await startWebhookReceiver({ outageMs: 10 * DAY_MS });
    outbound = createSafeOutbound({ policy: { localHosts: ['127.0.0.1'], httpForLocalHosts: true } });
  });
  afterAll(async () => {
    await outbound.close();
    await down.close();
    await kit.close();
  });

  async function endpointWithDeliveries(count: number) {
    const created = await kit.request('POST', '/api/v1/webhooks', { body: { url: down.url, events: ['notification.sent'] } });
    expect(created.status).toBe(201);
    const endpointId: string = created.body.data.id;
    const ids: string[] = Array.from({ length: count }, () => randomUUID());
    await kit.infra.database.db.insert(webhookDeliveries).values(
      ids.map((id) => ({
        id,
        endpointId,
        eventType: 'notification.sent',
        payload: { type: 'notification.sent', timestamp: new Date().toISOString(), data: {} },
      })),
    );
    return { endpointId, ids };
  }

  /** What the worker asked to send again later (the gateway hands these to `queue.publish` with the delay). */
  const postponed: Array<{ id: string; attempt: number; delayMs: number }> = [];
  const handler = (calls: ReturnType<typeof createEndpointBreakers>, disableAfterMs?: number) =>
    createDeliverWebhook({
      store: createWebhookStore(kit.infra.database.db),
      calls,
      logger: kit.infra.logger,
      maxAttempts: 8,
      postpone: async (message, delayMs) => {
        postponed.push({ id: message.delivery_id, attempt: message.attempt, delayMs });
      },
      ...(disableAfterMs !== undefined && { disableAfterMs }),
    });
  const attempt = (deliver: ReturnType<typeof handler>, endpointId: string, id: string) =>
    deliver(
      { delivery_id: id, endpoint_id: endpointId, notification_id: id, event_type: 'notification.sent', attempt: 1 },
      { id: `m-${id}`, attempt: 1, headers: {} },
    );
  const deliveries = async (endpointId: string) =>
    (await kit.request('GET', `/api/v1/webhooks/${endpointId}/deliveries?limit=100`)).body.data as Array<{
      id: string;
      status: string;
      last_error: string | null;
      attempts: number;
    }>;

  it('opens the circuit after a few failures: later deliveries are postponed unsent, their attempts untouched', async () => {
    const { endpointId, ids } = await endpointWithDeliveries(8);
    const calls = createEndpointBreakers(outbound, { volumeThreshold: 3, resetTimeoutMs: 60_000 });
    const deliver = handler(calls);
    const before = down.refused;
    const outcomes = [];
    for (const id of ids) outcomes.push(await attempt(deliver, endpointId, id));
    calls.close();

    expect(down.refused - before).toBe(3);
    expect(outcomes.slice(0, 3).every((o) => o.type === 'retry')).toBe(true);
    expect(outcomes.slice(3)).toEqual(Array(5).fill({ type: 'done' }));
    expect(postponed.filter((p) => ids.includes(p.id))).toEqual(ids.slice(3).map((id) => ({ id, attempt: 1, delayMs: 60_000 })));
    const log = await deliveries(endpointId);
    expect(log.filter((d) => d.last_error === 'http_503' && d.attempts === 1)).toHaveLength(3);
    expect(log.filter((d) => d.last_error === 'circuit_open' && d.attempts === 0)).toHaveLength(5);
    expect(log.every((d) => d.status === 'pending')).toBe(true);
  });

  it('disables an endpoint failing for longer than the limit; its deliveries then fail unsent until it is enabled', async () => {
    const { endpointId, ids } = await endpointWithDeliveries(2);
    const db = kit.infra.database.db;
    await db
      .update(webhookEndpoints)
      .set({ failingSince: new Date(Date.now() - 6 * DAY_MS) })
      .where(eq(webhookEndpoints.id, endpointId));
    const calls = createEndpointBreakers(outbound);
    const deliver = handler(calls, 5 * DAY_MS);

    expect(await attempt(deliver, endpointId, ids[0]!)).toMatchObject({ type: 'retry' });
    const endpoint = (await kit.request('GET', `/api/v1/webhooks/${endpointId}`)).body.data;
    expect(endpoint).toMatchObject({ enabled: false, disabled_reason: 'every attempt failed for 120 hours' });
    expect(kit.infra.logLines.some((l) => l.includes('webhook endpoint disabled') && l.includes(endpointId))).toBe(true);

    const before = down.refused;
    expect(await attempt(deliver, endpointId, ids[1]!)).toEqual({ type: 'done' });
    expect(down.refused).toBe(before);
    const second = (await deliveries(endpointId)).find((d) => d.id === ids[1]);
    expect(second).toMatchObject({ status: 'failed', last_error: 'endpoint_disabled', attempts: 0 });

    const enabled = await kit.request('PATCH', `/api/v1/webhooks/${endpointId}`, { body: { enabled: true } });
    expect(enabled.body.data).toMatchObject({ enabled: true, disabled_reason: null, failing_since: null });
    calls.close();
  });

  it('does not disable an endpoint that has been failing for less than the limit', async () => {
    const { endpointId, ids } = await endpointWithDeliveries(1);
    const calls = createEndpointBreakers(outbound);
    await attempt(handler(calls, 5 * DAY_MS), endpointId, ids[0]!);
    calls.close();
    const endpoint = (await kit.request('GET', `/api/v1/webhooks/${endpointId}`)).body.data;
    expect(endpoint.enabled).toBe(true);
    expect(Date.now() - Date.parse(endpoint.failing_since)).toBeLessThan(60_000);
  });
});

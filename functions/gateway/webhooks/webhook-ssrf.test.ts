import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSafeOutbound } from '../../../shared/net/safe-outbound.js';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { openPlatform, type PlatformKit } from '../test-support/platform-kit.js';
import { createDeliverWebhook } from './deliver-webhook.js';
import { createEndpointBreakers } from './endpoint-breakers.js';
import { webhookDeliveries } from './webhook-schema.js';
import { createWebhookStore } from './webhook-store.js';

/** Webhook URLs are the customer's: no local or private address is called unless the deployment names the host. */
describe.each(testDatabases())('webhook URLs and the outbound policy on $kind', (target) => {
  let kit: PlatformKit;
  beforeAll(async () => {
    // NODE_ENV=test and no WEBHOOK_LOCAL_HOSTS: nothing local is taken
    kit = await openPlatform(target);
  });
  afterAll(() => kit.close());

  const register = (url: string) => kit.request('POST', '/api/v1/webhooks', { body: { url, events: ['notification.sent'] } });

  it.each([
    ['a loopback address', 'https://127.0.0.1/hooks'],
    ['the metadata address', 'https://169.254.169.254/latest/meta-data'],
    ['a private address', 'https://10.0.0.5/hooks'],
    ['plain http', 'http://example.com/hooks'],
    ['credentials in the URL', 'https://user:pw@example.com/hooks'],
  ])('refuses %s at registration (422 url_refused)', async (_, url) => {
    const res = await register(url);
    expect(res.status).toBe(422);
    expect(res.body.error).toBe('url_refused');
  });

  it('refuses a PATCH to a refused URL and keeps the old one', async () => {
    const created = await register('https://example.com/hooks');
    expect(created.status).toBe(201);
    const res = await kit.request('PATCH', `/api/v1/webhooks/${created.body.data.id}`, {
      body: { url: 'https://192.168.1.1/' },
    });
    expect(res.status).toBe(422);
    expect((await kit.request('GET', `/api/v1/webhooks/${created.body.data.id}`)).body.data.url).toBe(
      'https://example.com/hooks',
    );
    await kit.request('DELETE', `/api/v1/webhooks/${created.body.data.id}`);
  });

  it('checks the resolved address at send time: a public name resolving to loopback fails at once, blocked_address', async () => {
    const created = await register('https://hooks.example.com/in');
    expect(created.status).toBe(201);
    const id = randomUUID();
    await kit.infra.database.db.insert(webhookDeliveries).values({
      id,
      endpointId: created.body.data.id,
      eventType: 'notification.sent',
      payload: { type: 'notification.sent', timestamp: new Date().toISOString(), data: {} },
    });
    // the name passed registration; at send time it resolves to this machine (a rebinding DNS answer)
    const outbound = createSafeOutbound({ lookup: async () => [{ address: '127.0.0.1', family: 4 }] });
    const deliver = createDeliverWebhook({
      store: createWebhookStore(kit.infra.database.db),
      calls: createEndpointBreakers(outbound),
      logger: kit.infra.logger,
      maxAttempts: 8,
      postpone: async () => {
        throw new Error('an open circuit was not expected');
      },
    });
    const message = { delivery_id: id, endpoint_id: created.body.data.id, notification_id: id, event_type: 'notification.sent' };
    const outcome = await deliver({ ...message, attempt: 1 }, { id: 'm-1', attempt: 1, headers: {} });
    await outbound.close();

    expect(outcome).toMatchObject({ type: 'dead_letter' });
    const [logged] = (await kit.request('GET', `/api/v1/webhooks/${created.body.data.id}/deliveries`)).body.data;
    expect(logged).toMatchObject({ id, status: 'failed', attempts: 1, response_code: null, last_error: 'blocked_address' });
  });
});

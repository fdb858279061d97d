import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../../shared/db/bulk-insert.js';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { createGatewayStore } from '../gateway-store.js';
import { openPlatform, type PlatformKit } from '../test-support/platform-kit.js';

describe.each(testDatabases())('webhook events of status changes on $kind', (target) => {
  let kit: PlatformKit;
  let endpointId: string;
  beforeAll(async () => {
    kit = await openPlatform(target);
    const endpoint = await kit.request('POST', '/api/v1/webhooks', {
      body: { url: 'https://hooks.example.com/events', events: ['notification.sent', 'notification.delivered'] },
    });
    endpointId = endpoint.body.data.id;
  });
  afterAll(() => kit.close());

  async function accepted(): Promise<string> {
    const user = await kit.createUser();
    const res = await kit.request('POST', '/api/v1/notifications', {
      auth: kit.sendKey,
      body: {
        notification_type: 'email',
        user_id: user.id,
        template_code: 'kit_welcome',
        variables: { name: 'Ada' },
        request_id: randomUUID(),
      },
    });
    return res.body.data.notification_id;
  }
  const eventsOf = async (notificationId: string) =>
    rowsOf<{ event_type: string; timestamp: string }>(
      await kit.infra.database.db.execute(sql`
        select event_type, payload->>'timestamp' as timestamp from webhook_deliveries
        where endpoint_id = ${endpointId} and notification_id = ${notificationId} order by event_type desc`),
    );

  it('raises one event per status a batch moved through: sending and delivered recorded together are two', async () => {
    const id = await accepted();
    const sentAt = new Date(Date.now() - 1_000).toISOString();
    const deliveredAt = new Date().toISOString();
    await createGatewayStore(kit.infra.database.db).recordStatuses([
      { notification_id: id, status: 'sending', timestamp: sentAt, attempt: 1 },
      { notification_id: id, status: 'delivered', timestamp: deliveredAt, attempt: 1 },
    ]);
    expect(await eventsOf(id)).toEqual([
      { event_type: 'notification.sent', timestamp: sentAt },
      { event_type: 'notification.delivered', timestamp: deliveredAt },
    ]);
  });

  it('raises notification.skipped when a notification is cancelled', async () => {
    const endpoint = await kit.request('POST', '/api/v1/webhooks', {
      body: { url: 'https://hooks.example.com/skipped', events: ['notification.skipped'] },
    });
    const user = await kit.createUser();
    const res = await kit.request('POST', '/api/v1/notifications', {
      auth: kit.sendKey,
      body: {
        notification_type: 'email',
        user_id: user.id,
        template_code: 'kit_welcome',
        variables: { name: 'Ada' },
        request_id: randomUUID(),
        send_at: new Date(Date.now() + 3_600_000).toISOString(),
      },
    });
    const id = res.body.data.notification_id;
    expect((await kit.request('DELETE', `/api/v1/notifications/${id}`)).status).toBe(200);
    const raised = rowsOf<{ event_type: string }>(
      await kit.infra.database.db.execute(
        sql`select event_type from webhook_deliveries where endpoint_id = ${endpoint.body.data.id} and notification_id = ${id}`,
      ),
    );
    expect(raised.map((r) => r.event_type)).toEqual(['notification.skipped']);
  });

  it('raises nothing for a report that does not move the status forward, and each event once', async () => {
    const id = await accepted();
    const store = createGatewayStore(kit.infra.database.db);
    const at = new Date().toISOString();
    await store.recordStatuses([{ notification_id: id, status: 'delivered', timestamp: at, attempt: 1 }]);
    await store.recordStatuses([
      { notification_id: id, status: 'sending', timestamp: at, attempt: 2 },
      { notification_id: id, status: 'delivered', timestamp: at, attempt: 2 },
    ]);
    expect((await eventsOf(id)).map((e) => e.event_type)).toEqual(['notification.delivered']);
  });
});

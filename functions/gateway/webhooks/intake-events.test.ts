import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../../shared/db/bulk-insert.js';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { openPlatform, type PlatformKit } from '../test-support/platform-kit.js';
import { createTopicOf } from '../test-support/topic-kit.js';
import { startWebhookReceiver, type WebhookReceiver } from '../test-support/webhook-receiver.js';

/** The events intake raises, in the statement that records a notification: accepted, or skipped at intake. */
describe.each(testDatabases())('webhook events at intake on $kind', (target) => {
  let kit: PlatformKit;
  let receiver: WebhookReceiver;
  let otherId: string;
  beforeAll(async () => {
    receiver = await startWebhookReceiver({ outageMs: 0 });
    kit = await openPlatform(target, { env: { WEBHOOK_LOCAL_HOSTS: '127.0.0.1' } });
    const hooked = await kit.request('POST', '/api/v1/webhooks', {
      body: { url: receiver.url, events: ['notification.accepted', 'notification.skipped'] },
    });
    expect(hooked.status).toBe(201);
    receiver.secret = hooked.body.data.secret;
    // subscribed to something else: intake raises nothing for it
    const other = await kit.request('POST', '/api/v1/webhooks', {
      body: { url: 'https://hooks.example.com/other', events: ['notification.delivered'] },
    });
    otherId = other.body.data.id;
  });
  afterAll(async () => {
    await kit?.close();
    await receiver?.close();
  });

  const send = (userId: string, requestId: string) =>
    kit.request('POST', '/api/v1/notifications', {
      auth: kit.sendKey,
      body: {
        notification_type: 'email',
        user_id: userId,
        template_code: 'kit_welcome',
        variables: { name: 'Ada' },
        request_id: requestId,
      },
    });
  const arrived = (notificationId: string) => receiver.received.filter((r) => r.notificationId === notificationId);
  const storedEvents = async (notificationId: string) =>
    rowsOf<{ endpoint_id: string; event_type: string }>(
      await kit.infra.database.db.execute(
        sql`select endpoint_id, event_type from webhook_deliveries where notification_id = ${notificationId}`,
      ),
    );

  it('raises notification.accepted once per notification, not again for a replay of its request id', async () => {
    const user = await kit.createUser();
    const requestId = randomUUID();
    const first = await send(user.id, requestId);
    expect(first.status).toBe(202);
    const id = first.body.data.notification_id;
    const replay = await send(user.id, requestId);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');

    await expect.poll(() => arrived(id).length, { timeout: 10_000 }).toBe(1);
    const [event] = arrived(id);
    expect(JSON.parse(event!.body)).toMatchObject({ type: 'notification.accepted', data: { id, request_id: requestId } });
    expect(receiver.unverified).toEqual([]);
    // one delivery, to the subscribed endpoint only
    expect(await storedEvents(id)).toEqual([{ endpoint_id: expect.any(String), event_type: 'notification.accepted' }]);
    expect((await storedEvents(id)).some((e) => e.endpoint_id === otherId)).toBe(false);
  });

  it('raises notification.skipped for a notification intake records as skipped, with the reason', async () => {
    const user = await kit.createUser({ preferences: { email: false, push: true } });
    const res = await send(user.id, randomUUID());
    expect(res.body.data).toMatchObject({ status: 'skipped', reason: 'opted_out' });
    const id = res.body.data.notification_id;
    await expect.poll(() => arrived(id).length, { timeout: 10_000 }).toBe(1);
    expect(JSON.parse(arrived(id)[0]!.body)).toMatchObject({
      type: 'notification.skipped',
      data: { id, status: 'skipped', status_reason: 'opted_out' },
    });
  });

  it("raises the same events for a fan-out's notifications", async () => {
    const { key, ids } = await createTopicOf(kit, 3, (i) => (i === 0 ? { email: false, push: true } : undefined));
    const res = await kit.request('POST', '/api/v1/notifications', {
      auth: kit.sendKey,
      body: {
        notification_type: 'email',
        topic_key: key,
        template_code: 'kit_welcome',
        variables: { name: 'All' },
        request_id: randomUUID(),
      },
    });
    expect(res.status).toBe(202);
    const ofTopic = () => receiver.received.filter((r) => ids.includes(JSON.parse(r.body).data.user_id));
    await expect.poll(() => ofTopic().length, { timeout: 20_000 }).toBe(3);
    const byUser = new Map(ofTopic().map((r) => [JSON.parse(r.body).data.user_id, r.type]));
    expect(byUser).toEqual(
      new Map([
        [ids[0], 'notification.skipped'],
        [ids[1], 'notification.accepted'],
        [ids[2], 'notification.accepted'],
      ]),
    );
  });
});

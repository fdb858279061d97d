import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { done } from '../../../shared/queue/queue.js';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { openPlatform, type PlatformKit } from '../test-support/platform-kit.js';

describe.each(testDatabases())('bounces and complaints after delivery on $kind', (target) => {
  let kit: PlatformKit;
  beforeAll(async () => {
    kit = await openPlatform(target);
    await kit.infra.queue.consume('email', async () => done());
  });
  afterAll(() => kit.close());

  async function delivered(): Promise<string> {
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
    const id: string = res.body.data.notification_id;
    await expect.poll(() => statusOf(id)).toBe('queued');
    await report(id, 'delivered', { provider: 'ses', response: '250 OK' });
    await expect.poll(() => statusOf(id)).toBe('delivered');
    return id;
  }

  async function statusOf(id: string): Promise<string> {
    return (await kit.request('GET', `/api/v1/notifications/${id}`)).body.data.status;
  }

  const report = (notification_id: string, status: string, extra: Record<string, unknown> = {}) =>
    kit.infra.queue.publish('status', {
      notification_id,
      status: status as 'delivered',
      channel: 'email',
      timestamp: new Date().toISOString(),
      attempt: 1,
      ...extra,
    });

  it.each(['bounced', 'complained'])('%s follows delivered, the timeline keeps both, nothing moves it after', async (status) => {
    const id = await delivered();
    await report(id, status, { provider: 'ses', error: `${status} by the recipient's server` });
    await expect.poll(() => statusOf(id)).toBe(status);
    // a replayed delivery report, or a late worker's, never undoes it
    await report(id, 'delivered', { provider: 'ses' });
    await report(id, 'failed', { error: 'late' });
    const detail = async () => (await kit.request('GET', `/api/v1/notifications/${id}`)).body.data;
    await expect.poll(async () => (await detail()).timeline.length).toBe(5);
    expect((await detail()).timeline.map((e: { status: string }) => e.status)).toEqual([
      'queued',
      'delivered',
      status,
      'delivered',
      'failed',
    ]);
    expect(await statusOf(id)).toBe(status);
  });

  it('the notification list and the dashboard search filter by bounced and complained', async () => {
    const bounced = await delivered();
    const complained = await delivered();
    await report(bounced, 'bounced');
    await report(complained, 'complained');
    await expect.poll(() => statusOf(bounced)).toBe('bounced');
    await expect.poll(() => statusOf(complained)).toBe('complained');

    for (const [status, id] of [
      ['bounced', bounced],
      ['complained', complained],
    ] as const) {
      const list = await kit.request('GET', `/api/v1/notifications?status=${status}&limit=100`, { auth: kit.sendKey });
      expect(list.status).toBe(200);
      const ids = list.body.data.map((n: { id: string }) => n.id);
      expect(ids).toContain(id);
      expect(list.body.data.every((n: { status: string }) => n.status === status)).toBe(true);
      const search = await kit.request('GET', `/api/v1/admin/notifications?status=${status}&limit=100`);
      expect(search.status).toBe(200);
      expect(search.body.data.map((n: { id: string }) => n.id)).toContain(id);
    }
  });

  it('the dashboard offers every status in its filter', async () => {
    const page = await (await kit.gateway.app.request('/dashboard')).text();
    const select = page.slice(
      page.indexOf('<select id="status"'),
      page.indexOf('</select>', page.indexOf('<select id="status"')),
    );
    const offered = [...select.matchAll(/<option(?: value="([a-z_]*)")?>([a-z_ ]+)<\/option>/g)].map((m) => m[1] ?? m[2]);
    const { NOTIFICATION_STATUSES } = await import('../../../shared/schemas/notification-statuses.js');
    expect(offered).toEqual(['', ...NOTIFICATION_STATUSES]);
  });
});

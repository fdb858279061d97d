import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttackPlatform, openAttackPlatform } from './support/attack-platform.js';

// Issue 13, item 5: any `send` key could mark any other key's notification delivered (terminal), and the
// 200/404 answer told whether an id existed.
describe('attack: status reports on a notification another key sent', () => {
  let p: AttackPlatform;
  let strangerKey: string;
  beforeAll(async () => {
    p = await openAttackPlatform();
    strangerKey = (await p.kit.request('POST', '/api/v1/api-keys', { body: { name: 'stranger', scopes: ['send'] } })).body.data
      .key;
  });
  afterAll(() => p.close());

  const report = (key: string, notificationId: string) =>
    p.send('gateway', 'POST', '/api/v1/email/status', {
      auth: key,
      body: { notification_id: notificationId, status: 'delivered', timestamp: new Date().toISOString() },
    });
  const statusOf = async (id: string) =>
    (await p.send('gateway', 'GET', `/api/v1/notifications/${id}`, { auth: p.kit.sendKey })).body.data.status;

  it("answers another key's report exactly as for an unknown id, and changes nothing", async () => {
    const { notificationId } = await p.victim();
    await expect.poll(() => statusOf(notificationId)).toBe('queued');

    const foreign = await report(strangerKey, notificationId);
    const unknownId = randomUUID();
    const unknown = await report(strangerKey, unknownId);
    expect(foreign.status).toBe(404);
    expect(unknown.status).toBe(404);
    // same answer, but for the id it names (meta carries this request's correlation id)
    const shape = (res: typeof foreign, id: string) => ({ error: res.body.error, message: res.body.message.replace(id, '<id>') });
    expect(shape(foreign, notificationId)).toEqual(shape(unknown, unknownId));

    expect(await statusOf(notificationId)).toBe('queued');
    const timeline = (await p.send('gateway', 'GET', `/api/v1/notifications/${notificationId}`, { auth: p.kit.sendKey })).body
      .data.timeline;
    expect(timeline.map((e: { provider?: string }) => e.provider)).not.toContain('external');
  });

  it('takes the report from the key that sent it, and from an admin key', async () => {
    const own = await p.victim();
    expect((await report(p.kit.sendKey, own.notificationId)).status).toBe(200);
    await expect.poll(() => statusOf(own.notificationId)).toBe('delivered');
    const byAdmin = await p.victim();
    expect((await report(p.kit.adminKey, byAdmin.notificationId)).status).toBe(200);
  });
});

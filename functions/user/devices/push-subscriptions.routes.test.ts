import { createECDH, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { BOOTSTRAP_ADMIN_KEY, openUserKit, type UserKit } from '../test-support/user-test-kit.js';

function subscription(endpoint = `https://updates.push.services.mozilla.com/wpush/v2/${randomBytes(8).toString('hex')}`) {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { endpoint, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') } };
}

describe.each(testDatabases())('push subscriptions on $kind', (target) => {
  let kit: UserKit;
  beforeAll(async () => {
    kit = await openUserKit(target);
  });
  afterAll(() => kit.close());

  it('adds a Web Push subscription (201), refreshes it when sent again (200), lists and deletes it', async () => {
    const me = await kit.createUser();
    const sub = subscription();
    const path = `/api/v1/users/${me.id}/push-subscriptions`;
    const first = await kit.request('POST', path, { auth: me.token, body: sub });
    expect(first.status).toBe(201);
    expect(first.body.data).toMatchObject({ type: 'web_push', endpoint: sub.endpoint });
    expect(JSON.stringify(first.body)).not.toContain(sub.keys.auth);

    const again = await kit.request('POST', path, { auth: me.token, body: { ...sub, keys: subscription().keys } });
    expect(again.status).toBe(200);
    expect(again.body.data.id).toBe(first.body.data.id);

    const listed = await kit.request('GET', path, { auth: me.token });
    expect(listed.body.data).toHaveLength(1);

    const internal = await kit.request('GET', `/internal/v1/users/${me.id}/devices`);
    expect(internal.body.data[0].keys.auth).toBeDefined();

    expect((await kit.request('DELETE', `${path}/${first.body.data.id}`, { auth: me.token })).status).toBe(200);
    expect((await kit.request('GET', path, { auth: me.token })).body.data).toEqual([]);
    expect((await kit.request('DELETE', `${path}/${first.body.data.id}`, { auth: me.token })).status).toBe(404);
  });

  it('adds a mobile push token', async () => {
    const me = await kit.createUser();
    const res = await kit.request('POST', `/api/v1/users/${me.id}/push-subscriptions`, {
      auth: me.token,
      body: { push_token: 'fcm:abc', platform: 'android' },
    });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ type: 'fcm', push_token: 'fcm:abc', platform: 'android' });
  });

  it.each([
    ['http on a public host', { ...subscription('http://push.example.com/x') }, 'endpoint'],
    ['a private address', { ...subscription('https://10.0.0.7/x') }, 'endpoint'],
    ['a host that is not a push service', { ...subscription('https://push.example.com/x') }, 'endpoint'],
    [
      'a short p256dh key',
      { ...subscription(), keys: { p256dh: 'abc', auth: randomBytes(16).toString('base64url') } },
      'keys.p256dh',
    ],
    [
      'a wrong-size auth secret',
      { ...subscription(), keys: { ...subscription().keys, auth: randomBytes(8).toString('base64url') } },
      'keys.auth',
    ],
  ])('refuses %s (400 naming the field)', async (_label, body, field) => {
    const me = await kit.createUser();
    const res = await kit.request('POST', `/api/v1/users/${me.id}/push-subscriptions`, { auth: me.token, body });
    expect(res.status).toBe(400);
    expect(res.body.meta.fields.map((f: { field: string }) => f.field)).toContain(field);
  });

  it('accepts http on an allowlisted development host', async () => {
    const me = await kit.createUser();
    const res = await kit.request('POST', `/api/v1/users/${me.id}/push-subscriptions`, {
      auth: me.token,
      body: subscription('http://localhost:8999/push/abc'),
    });
    expect(res.status).toBe(201);
  });

  it("refuses another user's devices (403) and lets admins manage them", async () => {
    const me = await kit.createUser();
    const other = await kit.createUser();
    expect((await kit.request('GET', `/api/v1/users/${other.id}/push-subscriptions`, { auth: me.token })).status).toBe(403);
    expect(
      (
        await kit.request('POST', `/api/v1/users/${other.id}/push-subscriptions`, {
          auth: BOOTSTRAP_ADMIN_KEY,
          body: subscription(),
        })
      ).status,
    ).toBe(201);
  });

  it('prunes a device through the internal route', async () => {
    const me = await kit.createUser();
    const added = await kit.request('POST', `/api/v1/users/${me.id}/push-subscriptions`, {
      auth: me.token,
      body: subscription(),
    });
    const pruned = await kit.request('DELETE', `/internal/v1/users/${me.id}/devices/${added.body.data.id}`);
    expect(pruned.body.data.deleted).toBe(true);
    expect((await kit.request('GET', `/internal/v1/users/${me.id}/devices`)).body.data).toEqual([]);
  });
});

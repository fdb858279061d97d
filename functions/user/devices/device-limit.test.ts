import { createECDH, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { BOOTSTRAP_ADMIN_KEY, openUserKit, type UserKit } from '../test-support/user-test-kit.js';

/**
 * A user has at most PUSH_MAX_DEVICES_PER_USER push devices (20 by default;
 * issue 13 item 6): without a cap one account could register thousands of
 * endpoints on a victim's site and have the push worker hit it with each
 * notification.
 */
function subscription() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return {
    endpoint: `https://updates.push.services.mozilla.com/wpush/v2/${randomBytes(8).toString('hex')}`,
    keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') },
  };
}

describe.each(testDatabases())('device limit on $kind', (target) => {
  let kit: UserKit;
  let small: UserKit;
  beforeAll(async () => {
    [kit, small] = await Promise.all([openUserKit(target), openUserKit(target, { maxDevicesPerUser: 3 })]);
  });
  afterAll(() => Promise.all([kit.close(), small.close()]));

  const devicesOf = async (k: UserKit, user: { id: string; token: string }) =>
    (await k.request('GET', `/api/v1/users/${user.id}/push-subscriptions`, { auth: user.token })).body.data as Array<{
      id: string;
    }>;

  it('the 21st device is a 409 naming the limit; re-registering a device at the limit still refreshes it', async () => {
    const me = await kit.createUser();
    const path = `/api/v1/users/${me.id}/push-subscriptions`;
    const subs = Array.from({ length: 20 }, subscription);
    for (const sub of subs) expect((await kit.request('POST', path, { auth: me.token, body: sub })).status).toBe(201);

    const over = await kit.request('POST', path, { auth: me.token, body: subscription() });
    const token = await kit.request('POST', path, {
      auth: me.token,
      body: { push_token: `fcm-${randomBytes(8).toString('hex')}` },
    });
    const again = await kit.request('POST', path, { auth: me.token, body: { ...subs[0]!, keys: subscription().keys } });

    expect(over.status).toBe(409);
    expect(over.body).toMatchObject({ success: false, error: 'device_limit_reached', meta: { limit: 20 } });
    expect(token.status).toBe(409);
    expect(again.status).toBe(200);
    expect(await devicesOf(kit, me)).toHaveLength(20);
  });

  it('removing a device makes room for another', async () => {
    const me = await small.createUser();
    const path = `/api/v1/users/${me.id}/push-subscriptions`;
    for (let i = 0; i < 3; i++) await small.request('POST', path, { auth: me.token, body: subscription() });
    const [first] = await devicesOf(small, me);

    await small.request('DELETE', `${path}/${first!.id}`, { auth: me.token });
    const added = await small.request('POST', path, { auth: me.token, body: subscription() });

    expect(added.status).toBe(201);
    expect(await devicesOf(small, me)).toHaveLength(3);
  });

  it('concurrent registrations never get past the limit', async () => {
    const me = await small.createUser();
    const path = `/api/v1/users/${me.id}/push-subscriptions`;

    const answers = await Promise.all(
      Array.from({ length: 12 }, () => small.request('POST', path, { auth: me.token, body: subscription() })),
    );

    expect(answers.filter((a) => a.status === 201)).toHaveLength(3);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(9);
    expect(await devicesOf(small, me)).toHaveLength(3);
  });

  it('a push_token given through PATCH counts against the same limit', async () => {
    const me = await small.createUser();
    for (let i = 0; i < 3; i++) {
      await small.request('POST', `/api/v1/users/${me.id}/push-subscriptions`, { auth: me.token, body: subscription() });
    }

    const patched = await small.request('PATCH', `/api/v1/users/${me.id}`, {
      auth: me.token,
      body: { push_token: `fcm-${randomBytes(8).toString('hex')}` },
    });

    expect(patched.status).toBe(409);
    expect(await devicesOf(small, me)).toHaveLength(3);
  });

  it('a bulk import counts its push tokens against the same limit: the recipient over it is a 409, the others go on', async () => {
    const key = await small.request('POST', '/api/v1/api-keys', {
      auth: BOOTSTRAP_ADMIN_KEY,
      body: { name: 'crm', scopes: ['send'] },
    });
    const sendKey = key.body.data.key;
    const token = () => ({ push_token: `fcm-${randomBytes(8).toString('hex')}` });
    const stamp = randomBytes(4).toString('hex');
    const bulk = (users: unknown[]) => small.request('POST', '/api/v1/users/bulk', { auth: sendKey, body: { users } });

    const first = await bulk([
      { external_id: `full-${stamp}`, email: `full-${stamp}@example.com`, push_tokens: [token(), token(), token()] },
      { external_id: `over-${stamp}`, email: `over-${stamp}@example.com`, push_tokens: [token(), token(), token(), token()] },
    ]);
    expect(first.status, JSON.stringify(first.body)).toBe(207);
    expect(first.body.data.items.map((i: { status_code: number }) => i.status_code)).toEqual([201, 409]);
    expect(first.body.data.items[1].error).toBe('device_limit_reached');

    // the full user gets one more token: refused, and nothing of that item is written
    const again = await bulk([
      { external_id: `full-${stamp}`, name: 'Renamed', push_tokens: [token()] },
      { external_id: `fresh-${stamp}`, email: `fresh-${stamp}@example.com`, push_tokens: [token()] },
    ]);
    expect(again.status, JSON.stringify(again.body)).toBe(207);
    expect(again.body.data.items.map((i: { status_code: number }) => i.status_code)).toEqual([409, 201]);
    const fullId = first.body.data.items[0].data.id;
    const full = await small.request('GET', `/api/v1/users/${fullId}`, { auth: BOOTSTRAP_ADMIN_KEY });
    expect(full.body.data.name).not.toBe('Renamed');
  });
});

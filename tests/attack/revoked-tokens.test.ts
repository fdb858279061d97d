import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AttackPlatform, openAttackPlatform } from './support/attack-platform.js';

// Issue 13, item 8: a token taken before its owner changed the password, or deleted the account, kept
// working until it expired (an hour). The gateway caches principals for 30 s in the shared cache; a
// revocation voids them there at once, so the token stops working there once this replica's 2 s
// in-process memo lapses, well before the cache entry would have expired.
describe('attack: a user token from before a password change or a deletion', () => {
  let p: AttackPlatform;
  beforeAll(async () => {
    p = await openAttackPlatform();
  });
  afterAll(() => p.close());

  const listMine = async (token: string) => (await p.send('gateway', 'GET', '/api/v1/notifications', { auth: token })).status;
  const readSelf = async (token: string, userId: string) =>
    (await p.send('user', 'GET', `/api/v1/users/${userId}`, { auth: token })).status;
  // well under the shared cache's 30 s: only the revocation can make the gateway refuse in time
  const soon = { timeout: 8_000, interval: 250 };

  it('is refused after the password changes, at the gateway and at the user port; a new token works', async () => {
    const user = await p.victim();
    // the gateway has checked it, so its principal sits in the shared cache
    expect(await listMine(user.token)).toBe(200);

    const changed = await p.send('gateway', 'PATCH', `/api/v1/users/${user.id}`, {
      auth: user.token,
      body: { password: 'the owner took it back' },
    });
    expect(changed.status).toBe(200);

    expect(await readSelf(user.token, user.id)).toBe(401);
    await vi.waitFor(async () => expect(await listMine(user.token)).toBe(401), soon);
    const login = await p.send('gateway', 'POST', '/api/v1/auth/login', {
      body: { email: user.email, password: 'the owner took it back' },
    });
    expect(login.status).toBe(200);
    expect(await listMine(login.body.data.access_token)).toBe(200);
    expect(await readSelf(login.body.data.access_token, user.id)).toBe(200);
  });

  it('is refused after the account is deleted, at the gateway and at the user port', async () => {
    const user = await p.victim();
    expect(await listMine(user.token)).toBe(200);

    expect((await p.send('gateway', 'DELETE', `/api/v1/users/${user.id}`, { auth: user.token })).status).toBe(200);

    expect(await readSelf(user.token, user.id)).toBe(401);
    await vi.waitFor(async () => expect(await listMine(user.token)).toBe(401), soon);
  });
});

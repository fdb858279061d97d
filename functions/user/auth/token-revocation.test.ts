import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { users } from '../schema.js';
import { JWT_SECRET, openUserKit, type UserKit } from '../test-support/user-test-kit.js';
import { signUserToken } from './user-token.js';

describe.each(testDatabases())('user tokens are revoked by a password change or a deletion on $kind', (target) => {
  let kit: UserKit;
  beforeAll(async () => {
    kit = await openUserKit(target);
  });
  afterAll(() => kit.close());

  const introspect = async (credential: string) =>
    (await kit.request('POST', '/internal/v1/auth/introspect', { body: { credential } })).body.data.principal;

  it('a token issued before a password change answers 401 after it; a token from the new password works', async () => {
    const user = await kit.createUser();
    const before = await kit.request('GET', `/api/v1/users/${user.id}`, { auth: user.token });
    expect(before.status).toBe(200);

    const changed = await kit.request('PATCH', `/api/v1/users/${user.id}`, {
      auth: user.token,
      body: { password: 'a brand new password' },
    });
    expect(changed.status).toBe(200);

    expect((await kit.request('GET', `/api/v1/users/${user.id}`, { auth: user.token })).status).toBe(401);
    expect(await introspect(user.token)).toBeNull();
    const login = await kit.request('POST', '/api/v1/auth/login', {
      body: { email: user.email, password: 'a brand new password' },
    });
    expect(login.status).toBe(200);
    const fresh = login.body.data.access_token;
    expect((await kit.request('GET', `/api/v1/users/${user.id}`, { auth: fresh })).status).toBe(200);
    expect(await introspect(fresh)).toEqual({ kind: 'user', userId: user.id });
  });

  it('other changes (name, preferences) leave the tokens valid', async () => {
    const user = await kit.createUser();
    const renamed = await kit.request('PATCH', `/api/v1/users/${user.id}`, { auth: user.token, body: { name: 'Grace' } });
    expect(renamed.status).toBe(200);
    expect((await kit.request('GET', `/api/v1/users/${user.id}`, { auth: user.token })).status).toBe(200);
  });

  it("after the account is deleted its token answers 401 (not the deleted user's 404)", async () => {
    const user = await kit.createUser();
    expect((await kit.request('DELETE', `/api/v1/users/${user.id}`, { auth: user.token })).status).toBe(200);
    expect((await kit.request('GET', `/api/v1/users/${user.id}`, { auth: user.token })).status).toBe(401);
    expect(await introspect(user.token)).toBeNull();
  });

  it('a token carries the version of its user; one with a version the user no longer has is refused', async () => {
    const user = await kit.createUser();
    const payload = JSON.parse(Buffer.from(user.token.split('.')[1]!, 'base64url').toString());
    expect(payload.ver).toBe(0);
    await kit.database.db.update(users).set({ tokenVersion: 3 }).where(eq(users.id, user.id));
    const stale = await signUserToken({ userId: user.id, tokenVersion: 2 }, { secret: JWT_SECRET, ttlSeconds: 60 });
    const current = await signUserToken({ userId: user.id, tokenVersion: 3 }, { secret: JWT_SECRET, ttlSeconds: 60 });
    expect(await introspect(stale.token)).toBeNull();
    expect(await introspect(current.token)).toEqual({ kind: 'user', userId: user.id });
  });
});

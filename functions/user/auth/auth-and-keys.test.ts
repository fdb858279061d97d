import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { BOOTSTRAP_ADMIN_KEY, JWT_SECRET, openUserKit, type UserKit } from '../test-support/user-test-kit.js';
import { signUserToken } from './user-token.js';

describe.each(testDatabases())('login and API keys on $kind', (target) => {
  let kit: UserKit;
  beforeAll(async () => {
    kit = await openUserKit(target);
  });
  afterAll(() => kit.close());

  describe('POST /api/v1/auth/login', () => {
    it('gives a signed, expiring bearer token for the right password', async () => {
      const user = await kit.createUser();
      const res = await kit.request('POST', '/api/v1/auth/login', {
        body: { email: user.email.toUpperCase(), password: user.password },
      });
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ token_type: 'Bearer', expires_in: 3600, user_id: user.id });
      const [, payload] = res.body.data.access_token.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      expect(claims.exp - claims.iat).toBe(3600);
    });

    it('answers the same 401 for a wrong password and an unknown email', async () => {
      const user = await kit.createUser();
      const wrong = await kit.request('POST', '/api/v1/auth/login', { body: { email: user.email, password: 'wrong password' } });
      const unknown = await kit.request('POST', '/api/v1/auth/login', {
        body: { email: 'nobody@example.com', password: 'whatever1' },
      });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body.message).toBe(unknown.body.message);
    });

    it('rate limits repeated attempts on one email (429 with Retry-After)', async () => {
      const body = { email: 'target@example.com', password: 'guess' };
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) statuses.push((await kit.request('POST', '/api/v1/auth/login', { body })).status);
      expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
      const limited = await kit.request('POST', '/api/v1/auth/login', { body });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    });

    it('refuses an expired token and a token signed with another secret', async () => {
      const user = await kit.createUser();
      const expired = await signUserToken(
        { userId: user.id, tokenVersion: 0 },
        { secret: JWT_SECRET, ttlSeconds: 60, now: () => Date.now() - 3_600_000 },
      );
      const forged = await signUserToken({ userId: user.id, tokenVersion: 0 }, { secret: 'x'.repeat(32), ttlSeconds: 60 });
      expect((await kit.request('GET', `/api/v1/users/${user.id}`, { auth: expired.token })).status).toBe(401);
      expect((await kit.request('GET', `/api/v1/users/${user.id}`, { auth: forged.token })).status).toBe(401);
    });
  });

  describe('/api/v1/api-keys', () => {
    it('creates a key shown exactly once, stored only as a hash, that authenticates with its scopes', async () => {
      const created = await kit.request('POST', '/api/v1/api-keys', {
        auth: BOOTSTRAP_ADMIN_KEY,
        body: { name: 'shop', scopes: ['send'] },
      });
      expect(created.status).toBe(201);
      const key: string = created.body.data.key;
      expect(key).toMatch(/^nk_/);

      const listed = await kit.request('GET', '/api/v1/api-keys', { auth: BOOTSTRAP_ADMIN_KEY });
      expect(JSON.stringify(listed.body)).not.toContain(key);
      expect(listed.body.data.find((k: { id: string }) => k.id === created.body.data.id)).toMatchObject({
        name: 'shop',
        scopes: ['send'],
      });

      const introspect = await kit.request('POST', '/internal/v1/auth/introspect', { body: { credential: key } });
      expect(introspect.body.data.principal).toEqual({ kind: 'api_key', keyId: created.body.data.id, scopes: ['send'] });
      // a send key is not an admin key
      expect((await kit.request('GET', '/api/v1/users', { auth: key })).status).toBe(403);
      expect((await kit.request('POST', '/api/v1/api-keys', { auth: key, body: { name: 'x', scopes: ['admin'] } })).status).toBe(
        403,
      );
    });

    it('also takes the key from X-API-Key', async () => {
      const created = await kit.request('POST', '/api/v1/api-keys', {
        auth: BOOTSTRAP_ADMIN_KEY,
        body: { name: 'ops', scopes: ['admin'] },
      });
      const res = await kit.request('GET', '/api/v1/users', { headers: { 'x-api-key': created.body.data.key } });
      expect(res.status).toBe(200);
    });

    it('revokes a key: it stops working at once', async () => {
      const created = await kit.request('POST', '/api/v1/api-keys', {
        auth: BOOTSTRAP_ADMIN_KEY,
        body: { name: 'temp', scopes: ['admin'] },
      });
      const key = created.body.data.key;
      expect((await kit.request('GET', '/api/v1/api-keys', { auth: key })).status).toBe(200);
      const revoked = await kit.request('DELETE', `/api/v1/api-keys/${created.body.data.id}`, { auth: BOOTSTRAP_ADMIN_KEY });
      expect(revoked.status).toBe(200);
      expect(revoked.body.data.revoked_at).not.toBeNull();
      expect((await kit.request('GET', '/api/v1/api-keys', { auth: key })).status).toBe(401);
    });

    it('validates scopes and answers 404 for an unknown key id', async () => {
      const bad = await kit.request('POST', '/api/v1/api-keys', {
        auth: BOOTSTRAP_ADMIN_KEY,
        body: { name: 'x', scopes: ['root'] },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.meta.fields[0].field).toBe('scopes.0');
      expect(
        (await kit.request('DELETE', '/api/v1/api-keys/00000000-0000-4000-8000-000000000000', { auth: BOOTSTRAP_ADMIN_KEY }))
          .status,
      ).toBe(404);
    });

    it('introspection says null for unknown credentials', async () => {
      const res = await kit.request('POST', '/internal/v1/auth/introspect', { body: { credential: 'nk_unknown' } });
      expect(res.body.data.principal).toBeNull();
    });
  });
});

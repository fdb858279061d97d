import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { users } from '../schema.js';
import { BOOTSTRAP_ADMIN_KEY, openUserKit, type UserKit } from '../test-support/user-test-kit.js';

describe.each(testDatabases())('users routes on $kind', (target) => {
  let kit: UserKit;
  beforeAll(async () => {
    kit = await openUserKit(target);
  });
  afterAll(() => kit.close());

  describe('POST /api/v1/users', () => {
    it('creates a user with default preferences, never returning the password', async () => {
      const res = await kit.request('POST', '/api/v1/users/', {
        body: {
          name: 'Grace',
          email: 'Grace.Hopper@Example.com',
          password: 'a long password',
          preferences: { email: true, push: false },
        },
      });
      expect(res.status).toBe(201);
      expect(res.body.success).toBe(true);
      expect(res.body.data).toMatchObject({
        name: 'Grace',
        email: 'Grace.Hopper@Example.com',
        preferences: { email: true, push: false, language: 'en', timezone: 'UTC', opt_out_categories: [] },
      });
      expect(JSON.stringify(res.body)).not.toMatch(/password/);
      expect(kit.logLines.join('\n')).not.toContain('a long password');
    });

    it('stores only a slow salted hash of the password', async () => {
      const [row] = await kit.database.db
        .select({ hash: users.passwordHash })
        .from(users)
        .where(sql`lower(${users.email}) = 'grace.hopper@example.com'`);
      expect(row!.hash).toMatch(/^scrypt\$4096\$8\$1\$/); // the kit's TEST_SCRYPT_COST
      expect(row!.hash).not.toContain('a long password');
    });

    it('refuses a second user with the same email in another case (409)', async () => {
      const res = await kit.request('POST', '/api/v1/users', {
        body: { name: 'Other', email: 'GRACE.HOPPER@example.COM', password: 'another password' },
      });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ success: false, error: 'conflict' });
    });

    it('names every bad field (400)', async () => {
      const res = await kit.request('POST', '/api/v1/users', { body: { name: '', email: 'nope', password: 'short' } });
      expect(res.status).toBe(400);
      expect(res.body.meta.fields.map((f: { field: string }) => f.field).sort()).toEqual(['email', 'name', 'password']);
    });

    it('rejects malformed JSON (400), other content types (415) and huge bodies (413)', async () => {
      expect((await kit.request('POST', '/api/v1/users', { body: '{"name":' })).status).toBe(400);
      expect(
        (
          await kit.request('POST', '/api/v1/users', {
            body: 'name=x',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          })
        ).status,
      ).toBe(415);
      expect((await kit.request('POST', '/api/v1/users', { body: { name: 'x'.repeat(70_000) } })).status).toBe(413);
    });

    it('turns push_token into a device', async () => {
      const user = await kit.createUser({ push_token: 'fcm-token-123' });
      const res = await kit.request('GET', `/api/v1/users/${user.id}/push-subscriptions`, { auth: user.token });
      expect(res.body.data).toEqual([expect.objectContaining({ type: 'fcm', push_token: 'fcm-token-123' })]);
    });
  });

  describe('list, read, change, delete', () => {
    it('lists users for admins with pagination meta', async () => {
      await kit.createUser();
      await kit.createUser();
      const res = await kit.request('GET', '/api/v1/users?page=1&limit=2', { auth: BOOTSTRAP_ADMIN_KEY });
      expect(res.status).toBe(200);
      expect(res.body.data).toHaveLength(2);
      expect(res.body.meta).toMatchObject({ page: 1, limit: 2, has_previous: false, has_next: true });
      expect(res.body.meta.total).toBeGreaterThanOrEqual(3);
      expect(res.body.meta.total_pages).toBe(Math.ceil(res.body.meta.total / 2));
    });

    it('refuses the list without credentials (401) and to a user token (403)', async () => {
      const user = await kit.createUser();
      expect((await kit.request('GET', '/api/v1/users')).status).toBe(401);
      expect((await kit.request('GET', '/api/v1/users', { auth: 'not-a-key' })).status).toBe(401);
      expect((await kit.request('GET', '/api/v1/users', { auth: user.token })).status).toBe(403);
    });

    it('rejects bad pagination', async () => {
      const res = await kit.request('GET', '/api/v1/users?page=0&limit=1000', { auth: BOOTSTRAP_ADMIN_KEY });
      expect(res.status).toBe(400);
      expect(res.body.meta.fields.map((f: { field: string }) => f.field).sort()).toEqual(['limit', 'page']);
    });

    it('lets a user read and change only itself', async () => {
      const me = await kit.createUser();
      const other = await kit.createUser();
      expect((await kit.request('GET', `/api/v1/users/${me.id}`, { auth: me.token })).body.data.id).toBe(me.id);
      expect((await kit.request('GET', `/api/v1/users/${other.id}`, { auth: me.token })).status).toBe(403);
      expect((await kit.request('PATCH', `/api/v1/users/${other.id}`, { auth: me.token, body: { name: 'x' } })).status).toBe(403);
      const patched = await kit.request('PATCH', `/api/v1/users/${me.id}/`, { auth: me.token, body: { name: 'Renamed' } });
      expect(patched.status).toBe(200);
      expect(patched.body.data.name).toBe('Renamed');
    });

    it('changes the password so the old one stops working', async () => {
      const me = await kit.createUser();
      await kit.request('PATCH', `/api/v1/users/${me.id}`, { auth: me.token, body: { password: 'brand new password' } });
      expect((await kit.request('POST', '/api/v1/auth/login', { body: { email: me.email, password: me.password } })).status).toBe(
        401,
      );
      expect(
        (await kit.request('POST', '/api/v1/auth/login', { body: { email: me.email, password: 'brand new password' } })).status,
      ).toBe(200);
    });

    it('refuses an email change onto a taken email (409) and an empty patch (400)', async () => {
      const me = await kit.createUser();
      const other = await kit.createUser();
      expect(
        (await kit.request('PATCH', `/api/v1/users/${me.id}`, { auth: me.token, body: { email: other.email.toUpperCase() } }))
          .status,
      ).toBe(409);
      expect((await kit.request('PATCH', `/api/v1/users/${me.id}`, { auth: me.token, body: {} })).status).toBe(400);
    });

    it('answers 400 for a non-uuid id and 404 for an unknown one', async () => {
      expect((await kit.request('GET', '/api/v1/users/42', { auth: BOOTSTRAP_ADMIN_KEY })).status).toBe(400);
      const res = await kit.request('GET', '/api/v1/users/00000000-0000-4000-8000-000000000000', { auth: BOOTSTRAP_ADMIN_KEY });
      expect(res.status).toBe(404);
      expect(res.body.error).toBe('not_found');
    });

    it('deletes a user (admin), then it is gone', async () => {
      const user = await kit.createUser();
      expect((await kit.request('DELETE', `/api/v1/users/${user.id}`, { auth: BOOTSTRAP_ADMIN_KEY })).status).toBe(200);
      expect((await kit.request('GET', `/api/v1/users/${user.id}`, { auth: BOOTSTRAP_ADMIN_KEY })).status).toBe(404);
      expect((await kit.request('DELETE', `/api/v1/users/${user.id}`, { auth: BOOTSTRAP_ADMIN_KEY })).status).toBe(404);
    });
  });

  describe('preferences', () => {
    it('reads and changes channel switches, language, timezone and category opt-outs', async () => {
      const me = await kit.createUser();
      const put = await kit.request('PUT', `/api/v1/users/${me.id}/preferences`, {
        auth: me.token,
        body: { email: false, language: 'fr-CA', timezone: 'America/Toronto', opt_out_categories: ['marketing', 'marketing'] },
      });
      expect(put.status).toBe(200);
      const got = await kit.request('GET', `/api/v1/users/${me.id}/preferences`, { auth: me.token });
      expect(got.body.data).toMatchObject({
        email: false,
        push: true,
        language: 'fr-CA',
        timezone: 'America/Toronto',
        opt_out_categories: ['marketing'],
      });
    });

    it('rejects an unknown time zone and a bad language tag, naming both', async () => {
      const me = await kit.createUser();
      const res = await kit.request('PUT', `/api/v1/users/${me.id}/preferences`, {
        auth: me.token,
        body: { timezone: 'Mars/Olympus', language: 'not a tag' },
      });
      expect(res.status).toBe(400);
      expect(res.body.meta.fields.map((f: { field: string }) => f.field).sort()).toEqual(['language', 'timezone']);
    });
  });
});

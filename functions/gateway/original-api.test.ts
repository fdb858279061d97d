import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../shared/test-support/test-databases.js';
import { openPlatform, type PlatformKit } from './test-support/platform-kit.js';

/**
 * Ordinary calls of a client written for the original system's API, through
 * the one base URL (the gateway): what such a client sends and expects.
 */
describe.each(testDatabases())('a client of the original API, on $kind', (target) => {
  let kit: PlatformKit;
  beforeAll(async () => {
    kit = await openPlatform(target);
  });
  afterAll(() => kit.close());

  const signUp = (body: Record<string, unknown>) =>
    kit.request('POST', '/api/v1/users/', {
      auth: null,
      body: { name: 'Ada', email: `u-${randomUUID()}@example.com`, password: 'a good password', ...body },
    });
  const devicesOf = async (userId: string) =>
    (await kit.request('GET', `/api/v1/users/${userId}/push-subscriptions`)).body.data as Array<Record<string, unknown>>;

  describe('optional fields sent as null read as absent', () => {
    it('signs up with "push_token": null and null preferences', async () => {
      const res = await signUp({ push_token: null, preferences: null });
      expect(res.status).toBe(201);
      expect(res.body.data.preferences).toMatchObject({ email: true, push: true });
      expect(await devicesOf(res.body.data.id)).toEqual([]);
    });

    it('signs up with a null inside preferences', async () => {
      const res = await signUp({ preferences: { email: false, push: null, language: null } });
      expect(res.status).toBe(201);
      expect(res.body.data.preferences).toMatchObject({ email: false, push: true, language: 'en' });
    });

    it('sends a notification with null metadata, send_at and priority', async () => {
      const user = await kit.createUser();
      const res = await kit.request('POST', '/api/v1/notifications/', {
        auth: kit.sendKey,
        body: {
          notification_type: 'email',
          user_id: user.id,
          template_code: 'kit_welcome',
          variables: { name: 'Ada' },
          request_id: randomUUID(),
          priority: null,
          metadata: null,
          send_at: null,
        },
      });
      expect(res.status).toBe(202);
      expect(res.body.data).toMatchObject({ priority: 5, send_at: null });
    });

    it('creates a template with a null description', async () => {
      const res = await kit.request('POST', '/api/v1/templates', {
        body: {
          template_code: `null_desc_${randomUUID().slice(0, 8)}`,
          channel: 'push',
          category: 'misc',
          description: null,
          content: { title: 'Hi', body: 'There', url: null },
        },
      });
      expect(res.status).toBe(201);
      expect(res.body.data.description).toBeNull();
    });

    it('still refuses null in a required field, naming it', async () => {
      const res = await signUp({ name: null });
      expect(res.status).toBe(400);
      expect(res.body.meta.fields).toEqual([{ field: 'name', message: expect.stringContaining('null') }]);
    });
  });

  describe('PUT and PATCH /api/v1/users/:id', () => {
    it('PUT replaces name, email, push token and preferences (200)', async () => {
      const user = await kit.createUser();
      const email = `put-${randomUUID()}@example.com`;
      const res = await kit.request('PUT', `/api/v1/users/${user.id}`, {
        auth: user.token,
        body: { name: 'Ada King', email, push_token: 'fcm-put-token', preferences: { email: false, push: true } },
      });
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ id: user.id, name: 'Ada King', email, preferences: { email: false, push: true } });
      expect(await devicesOf(user.id)).toEqual([expect.objectContaining({ type: 'fcm', push_token: 'fcm-put-token' })]);
    });

    it('PUT without the required fields is refused, naming them', async () => {
      const user = await kit.createUser();
      const res = await kit.request('PUT', `/api/v1/users/${user.id}`, { auth: user.token, body: { name: 'Ada' } });
      expect(res.status).toBe(400);
      expect(res.body.meta.fields).toEqual([expect.objectContaining({ field: 'email' })]);
    });

    it('PATCH takes a push_token alone: it becomes the FCM device, as at sign-up', async () => {
      const user = await kit.createUser();
      const res = await kit.request('PATCH', `/api/v1/users/${user.id}`, {
        auth: user.token,
        body: { push_token: 'fcm-patch-token' },
      });
      expect(res.status).toBe(200);
      expect(await devicesOf(user.id)).toEqual([expect.objectContaining({ type: 'fcm', push_token: 'fcm-patch-token' })]);
      const again = await kit.request('PATCH', `/api/v1/users/${user.id}`, {
        auth: user.token,
        body: { push_token: 'fcm-patch-token' },
      });
      expect(again.status).toBe(200);
      expect(await devicesOf(user.id)).toHaveLength(1);
    });

    it('PATCH takes preferences alone, keeping the rest', async () => {
      const user = await kit.createUser({ preferences: { language: 'fr' } });
      const res = await kit.request('PATCH', `/api/v1/users/${user.id}`, {
        auth: user.token,
        body: { preferences: { push: false } },
      });
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ name: 'Ada', preferences: { email: true, push: false, language: 'fr' } });
    });

    it("PUT on another user's id answers 404, as GET does", async () => {
      const [ada, grace] = [await kit.createUser(), await kit.createUser()];
      const res = await kit.request('PUT', `/api/v1/users/${grace.id}`, {
        auth: ada.token,
        body: { name: 'Mallory', email: `m-${randomUUID()}@example.com` },
      });
      expect(res.status).toBe((await kit.request('GET', `/api/v1/users/${grace.id}`, { auth: ada.token })).status);
    });
  });

  it('GET /api/v1/templates/:code without ?channel answers 200 with every channel variant', async () => {
    const res = await kit.request('GET', '/api/v1/templates/kit_welcome', { auth: kit.sendKey });
    expect(res.status).toBe(200);
    expect(res.body.data.variants.map((v: { channel: string }) => v.channel)).toEqual(['email', 'push']);
    expect(res.body.data.variants[1].version.content).toMatchObject({ title: 'Hi {{name}}' });
  });

  describe('GET /api/v1/notifications/:id/status', () => {
    const send = async (userId: string) => {
      const res = await kit.request('POST', '/api/v1/notifications/', {
        auth: kit.sendKey,
        body: {
          notification_type: 'email',
          user_id: userId,
          template_code: 'kit_welcome',
          variables: { name: 'Ada' },
          request_id: randomUUID(),
        },
      });
      expect(res.status).toBe(202);
      return res.body.data.notification_id as string;
    };

    it('answers status, channel, updated time and the last error reported', async () => {
      const user = await kit.createUser();
      const id = await send(user.id);
      const report = await kit.request('POST', '/api/v1/email/status/', {
        auth: kit.sendKey,
        body: { notification_id: id, status: 'failed', error: 'mailbox unavailable' },
      });
      expect(report.status).toBe(200);
      const res = await kit.request('GET', `/api/v1/notifications/${id}/status`, { auth: kit.sendKey });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({
        notification_id: id,
        notification_type: 'email',
        status: 'failed',
        status_reason: expect.toSatisfy((v) => v === null || typeof v === 'string'),
        updated_at: expect.any(String),
        last_error: 'mailbox unavailable',
      });
      const full = await kit.request('GET', `/api/v1/notifications/${id}`, { auth: kit.sendKey });
      expect(res.body.data.updated_at).toBe(full.body.data.updated_at);
    });

    it('keeps the access rules of GET /:id: the owner and its sender see it, others get 404', async () => {
      const [ada, grace] = [await kit.createUser(), await kit.createUser()];
      const id = await send(ada.id);
      const path = `/api/v1/notifications/${id}/status`;
      const otherKey = (await kit.request('POST', '/api/v1/api-keys', { body: { name: 'other', scopes: ['send'] } })).body.data
        .key;
      expect((await kit.request('GET', path, { auth: ada.token })).status).toBe(200);
      expect((await kit.request('GET', path, { auth: kit.adminKey })).status).toBe(200);
      for (const auth of [grace.token, otherKey]) {
        expect((await kit.request('GET', path, { auth })).status).toBe(404);
        expect((await kit.request('GET', `/api/v1/notifications/${id}`, { auth })).status).toBe(404);
      }
      expect((await kit.request('GET', path, { auth: null })).status).toBe(401);
      expect((await kit.request('GET', `/api/v1/notifications/${randomUUID()}/status`)).status).toBe(404);
    });
  });

  it('GET / answers a JSON index', async () => {
    const res = await kit.request('GET', '/', { auth: null });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      name: expect.any(String),
      version: expect.any(String),
      links: { docs: '/docs', openapi: '/openapi.json', health: '/health', dashboard: '/dashboard' },
    });
  });

  it('a known path with a wrong method answers 405 with Allow, in the envelope (here and forwarded)', async () => {
    const cases = [
      ['DELETE', '/api/v1/notifications', 'GET, HEAD, POST'],
      ['PUT', `/api/v1/notifications/${randomUUID()}/`, 'DELETE, GET, HEAD'],
      ['DELETE', '/api/v1/users', 'GET, HEAD, POST'],
      ['PUT', '/api/v1/templates', 'GET, HEAD, POST'],
    ] as const;
    for (const [method, path, allow] of cases) {
      const res = await kit.request(method, path);
      expect({ method, path, status: res.status, allow: res.headers.get('allow') }).toEqual({ method, path, status: 405, allow });
      expect(res.body).toMatchObject({ success: false, error: 'method_not_allowed', meta: { allow: allow.split(', ') } });
    }
    expect((await kit.request('GET', '/api/v1/nowhere')).status).toBe(404);
  });

  it('creates a template with variables as a list of names, each required', async () => {
    const code = `shorthand_${randomUUID().slice(0, 8)}`;
    const res = await kit.request('POST', '/api/v1/templates', {
      body: {
        template_code: code,
        channel: 'email',
        category: 'misc',
        content: { subject: 'Hi {{name}}', html: '<a href="{{link}}">{{name}}</a>' },
        variables: ['name', { name: 'link', required: false }],
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.data.version.variables).toEqual([
      { name: 'name', required: true },
      { name: 'link', required: false },
    ]);
    const bad = await kit.request('POST', '/api/v1/templates', {
      body: {
        template_code: `${code}_bad`,
        channel: 'push',
        category: 'misc',
        content: { title: 'x', body: 'y' },
        variables: ['no spaces'],
      },
    });
    expect(bad.status).toBe(400);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { openPlatform, type PlatformKit } from '../test-support/platform-kit.js';

describe.each(testDatabases())('webhook endpoints (/api/v1/webhooks) on $kind', (target) => {
  let kit: PlatformKit;
  beforeAll(async () => {
    kit = await openPlatform(target);
  });
  afterAll(() => kit.close());

  const create = (body: unknown = { url: 'https://example.com/hooks', events: ['notification.delivered'] }) =>
    kit.request('POST', '/api/v1/webhooks', { body });

  it('creates an endpoint and shows its whsec_ secret only in that answer', async () => {
    const created = await create({
      url: 'https://example.com/hooks/a',
      events: ['notification.delivered', 'notification.failed'],
      description: 'shop backend',
    });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      url: 'https://example.com/hooks/a',
      events: ['notification.delivered', 'notification.failed'],
      description: 'shop backend',
      enabled: true,
      disabled_reason: null,
      previous_secret_expires_at: null,
    });
    expect(created.body.data.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    const one = await kit.request('GET', `/api/v1/webhooks/${created.body.data.id}`);
    expect(one.status).toBe(200);
    expect(one.body.data).not.toHaveProperty('secret');
    const list = await kit.request('GET', '/api/v1/webhooks?limit=100');
    expect(list.body.data.map((e: { id: string }) => e.id)).toContain(created.body.data.id);
    expect(JSON.stringify(list.body)).not.toContain(created.body.data.secret);
  });

  it('refuses unknown events, duplicate events, other schemes, and anyone but an admin', async () => {
    expect((await create({ url: 'https://example.com/h', events: ['notification.exploded'] })).status).toBe(400);
    expect((await create({ url: 'https://example.com/h', events: [] })).status).toBe(400);
    expect((await create({ url: 'https://example.com/h', events: ['notification.read', 'notification.read'] })).status).toBe(400);
    expect((await create({ url: 'ftp://example.com/h', events: ['notification.read'] })).status).toBe(400);
    const asSender = await kit.request('POST', '/api/v1/webhooks', {
      auth: kit.sendKey,
      body: { url: 'https://example.com/h', events: ['notification.read'] },
    });
    expect(asSender.status).toBe(403);
    expect((await kit.request('GET', '/api/v1/webhooks', { auth: null })).status).toBe(401);
  });

  it('changes events, disables and re-enables, and deletes', async () => {
    const { id } = (await create()).body.data;
    const patched = await kit.request('PATCH', `/api/v1/webhooks/${id}`, {
      body: { events: ['notification.sent'], enabled: false, description: null },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({
      events: ['notification.sent'],
      enabled: false,
      disabled_reason: 'disabled by request',
    });
    const enabled = await kit.request('PATCH', `/api/v1/webhooks/${id}`, { body: { enabled: true } });
    expect(enabled.body.data).toMatchObject({ enabled: true, disabled_reason: null });
    expect((await kit.request('PATCH', `/api/v1/webhooks/${id}`, { body: {} })).status).toBe(400);

    const removed = await kit.request('DELETE', `/api/v1/webhooks/${id}`);
    expect(removed.status).toBe(200);
    expect(removed.body.data).toEqual({ id, deleted: true });
    expect((await kit.request('GET', `/api/v1/webhooks/${id}`)).status).toBe(404);
    expect((await kit.request('DELETE', `/api/v1/webhooks/${id}`)).status).toBe(404);
    expect((await kit.request('GET', `/api/v1/webhooks/${id}/deliveries`)).status).toBe(404);
  });

  it('rotates the secret: a new one, and the old one signing for 24 hours more', async () => {
    const created = (await create()).body.data;
    const rotated = await kit.request('POST', `/api/v1/webhooks/${created.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.data.secret).toMatch(/^whsec_/);
    expect(rotated.body.data.secret).not.toBe(created.secret);
    const until = Date.parse(rotated.body.data.previous_secret_expires_at) - Date.now();
    expect(until).toBeGreaterThan(23.9 * 3_600_000);
    expect(until).toBeLessThanOrEqual(24 * 3_600_000);
  });

  it('answers 404 for a delivery that is not one of the endpoint', async () => {
    const { id } = (await create()).body.data;
    const res = await kit.request('POST', `/api/v1/webhooks/${id}/deliveries/7a1e3c5b-9d2f-4b6a-8c0e-1f3d5b7a9c2e/redeliver`);
    expect(res.status).toBe(404);
    expect((await kit.request('GET', '/api/v1/webhooks/not-a-uuid')).status).toBe(400);
  });
});

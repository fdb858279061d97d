import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageOf } from '../../../shared/messages.js';
import { done } from '../../../shared/queue/queue.js';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { openPlatform, type PlatformKit } from '../test-support/platform-kit.js';

const send = (kit: PlatformKit, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  kit.request('POST', '/api/v1/notifications/', { auth: kit.sendKey, body, headers });

const emailTo = (userId: string, extra: Record<string, unknown> = {}) => ({
  notification_type: 'email',
  user_id: userId,
  template_code: 'kit_welcome',
  variables: { name: 'Ada', link: 'https://example.com/start' },
  request_id: randomUUID(),
  priority: 3,
  ...extra,
});

describe.each(testDatabases())('gateway intake on $kind', (target) => {
  let kit: PlatformKit;
  const published: Array<MessageOf<'email'>> = [];
  beforeAll(async () => {
    kit = await openPlatform(target);
    await kit.infra.queue.consume('email', async (message) => {
      published.push(message);
      return done();
    });
  });
  afterAll(() => kit.close());

  it('accepts a notification (202), pins the template version and publishes it through the outbox', async () => {
    const user = await kit.createUser();
    const body = emailTo(user.id);
    const res = await send(kit, body);
    expect(res.status).toBe(202);
    expect(res.body.data).toMatchObject({
      status: 'pending',
      template_version: 1,
      language: 'en',
      user_id: user.id,
      priority: 3,
    });
    expect(res.headers.get('ratelimit-limit')).toBeTruthy();
    const id = res.body.data.notification_id;
    await expect
      .poll(() => published.find((m) => m.notification_id === id))
      .toMatchObject({
        to: user.email,
        template_code: 'kit_welcome',
        template_version: 1,
        request_id: body.request_id,
        variables: body.variables,
      });
    // the relay marks the row after the broker confirmed it, so the message can arrive first
    await expect
      .poll(async () => (await kit.request('GET', `/api/v1/notifications/${id}`, { auth: kit.sendKey })).body.data.status)
      .toBe('queued');
    const got = await kit.request('GET', `/api/v1/notifications/${id}`, { auth: kit.sendKey });
    expect(got.body.data.timeline.map((e: { status: string }) => e.status)).toEqual(['queued']);
  });

  it('names every bad field (400), and requires a request id', async () => {
    const bad = await send(kit, { notification_type: 'sms', user_id: 'nope', template_code: '', priority: 99 });
    expect(bad.status).toBe(400);
    expect(bad.body.meta.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'notification_type',
      'priority',
      'template_code',
      'user_id',
    ]);
    const user = await kit.createUser();
    const noId = await send(kit, { ...emailTo(user.id), request_id: undefined });
    expect(noId.status).toBe(400);
    expect(noId.body.meta.fields[0].field).toBe('request_id');
  });

  it('answers 404 for an unknown user or template and 422 naming missing variables', async () => {
    const user = await kit.createUser();
    expect((await send(kit, emailTo(randomUUID()))).status).toBe(404);
    expect((await send(kit, emailTo(user.id, { template_code: 'no_such' }))).status).toBe(404);
    const missing = await send(kit, emailTo(user.id, { variables: { link: 'x' } }));
    expect(missing.status).toBe(422);
    expect(missing.body).toMatchObject({ error: 'missing_variables', meta: { missing: ['name'] } });
    expect(missing.body.message).toContain('name');
  });

  it('needs an API key with scope send', async () => {
    const user = await kit.createUser();
    expect((await kit.request('POST', '/api/v1/notifications', { auth: null, body: emailTo(user.id) })).status).toBe(401);
    expect((await kit.request('POST', '/api/v1/notifications', { auth: user.token, body: emailTo(user.id) })).status).toBe(403);
    expect((await kit.request('POST', '/api/v1/notifications', { auth: 'nk_wrong', body: emailTo(user.id) })).status).toBe(401);
  });

  it('records a notification to a switched-off channel as skipped (opted_out) and queues nothing', async () => {
    const user = await kit.createUser({ preferences: { email: false, push: true } });
    const res = await send(kit, emailTo(user.id));
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ status: 'skipped', reason: 'opted_out' });
    const id = res.body.data.notification_id;
    expect((await kit.request('GET', `/api/v1/notifications/${id}`, { auth: kit.sendKey })).body.data.status).toBe('skipped');
    expect(published.find((m) => m.notification_id === id)).toBeUndefined();
  });

  it('skips a template whose category the user opted out of', async () => {
    const user = await kit.createUser({ preferences: { opt_out_categories: ['onboarding'] } });
    const res = await send(kit, emailTo(user.id));
    expect(res.body.data).toMatchObject({ status: 'skipped', reason: 'opted_out' });
  });

  describe('idempotency', () => {
    it('replays the original response with Idempotent-Replayed and sends nothing more', async () => {
      const user = await kit.createUser();
      const body = emailTo(user.id);
      const first = await send(kit, body);
      const again = await send(kit, { ...body, variables: { link: 'https://example.com/start', name: 'Ada' } });
      expect(again.status).toBe(202);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(first.body);
      await expect.poll(() => published.filter((m) => m.request_id === body.request_id).length).toBe(1);
    });

    it('answers 409 for the same request id with a different body', async () => {
      const user = await kit.createUser();
      const body = emailTo(user.id);
      await send(kit, body);
      const clash = await send(kit, { ...body, priority: 9 });
      expect(clash.status).toBe(409);
      expect(clash.body.error).toBe('conflict');
    });

    it('takes the Idempotency-Key header instead of request_id', async () => {
      const user = await kit.createUser();
      const key = randomUUID();
      const body = { ...emailTo(user.id), request_id: undefined };
      const first = await send(kit, body, { 'idempotency-key': key });
      const again = await send(kit, body, { 'idempotency-key': key });
      expect(first.status).toBe(202);
      expect(first.body.data.request_id).toBe(key);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
    });

    it('creates exactly one notification for 100 concurrent identical requests', async () => {
      const user = await kit.createUser();
      const body = emailTo(user.id);
      const answers = await Promise.all(Array.from({ length: 100 }, () => send(kit, body)));
      expect(answers.every((a) => a.status === 202)).toBe(true);
      expect(new Set(answers.map((a) => a.body.data.notification_id)).size).toBe(1);
      expect(answers.filter((a) => a.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
      const listed = await kit.request('GET', `/api/v1/notifications?user_id=${user.id}`, { auth: kit.sendKey });
      expect(listed.body.meta.total).toBe(1);
    });

    it('keeps request ids per API key', async () => {
      const user = await kit.createUser();
      const body = emailTo(user.id);
      const other = await kit.request('POST', '/api/v1/api-keys', { body: { name: 'other', scopes: ['send'] } });
      const a = await send(kit, body);
      const b = await kit.request('POST', '/api/v1/notifications', { auth: other.body.data.key, body });
      expect(b.status).toBe(202);
      expect(b.body.data.notification_id).not.toBe(a.body.data.notification_id);
    });
  });

  it('rate limits per recipient with 429, Retry-After and RateLimit headers', async () => {
    const limited = await openPlatform(target, { env: { RATE_LIMIT_PER_USER_PER_MINUTE: '3' } });
    try {
      const user = await limited.createUser();
      const statuses: number[] = [];
      let last: Awaited<ReturnType<typeof send>> | undefined;
      for (let i = 0; i < 4; i++) {
        last = await send(limited, emailTo(user.id));
        statuses.push(last.status);
      }
      expect(statuses).toEqual([202, 202, 202, 429]);
      expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(last!.headers.get('ratelimit-remaining')).not.toBeNull();
      const otherUser = await limited.createUser();
      expect((await send(limited, emailTo(otherUser.id))).status).toBe(202);
    } finally {
      await limited.close();
    }
  }, 60_000); // opens a second platform (its own database and migrations)

  it("spends no recipient's budget on a request its key's limit refuses", async () => {
    const limited = await openPlatform(target, {
      env: { RATE_LIMIT_PER_KEY_PER_MINUTE: '2', RATE_LIMIT_PER_USER_PER_MINUTE: '3' },
    });
    try {
      const user = await limited.createUser();
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await send(limited, emailTo(user.id))).status);
      expect(statuses).toEqual([202, 202, 429, 429]);
      // the two refused requests used none of the user's three: another key still reaches them
      const other = await limited.request('POST', '/api/v1/api-keys', { body: { name: 'second sender', scopes: ['send'] } });
      const res = await limited.request('POST', '/api/v1/notifications', { auth: other.body.data.key, body: emailTo(user.id) });
      expect(res.status).toBe(202);
    } finally {
      await limited.close();
    }
  }, 60_000); // opens a third platform

  it('holds a scheduled notification until send_at and cancels it', async () => {
    const user = await kit.createUser();
    const sendAt = new Date(Date.now() + 3_600_000).toISOString();
    const res = await send(kit, emailTo(user.id, { send_at: sendAt }));
    expect(res.status).toBe(202);
    const id = res.body.data.notification_id;
    const cancel = await kit.request('DELETE', `/api/v1/notifications/${id}`, { auth: kit.sendKey });
    expect(cancel.status).toBe(200);
    const got = await kit.request('GET', `/api/v1/notifications/${id}`, { auth: kit.sendKey });
    expect(got.body.data.status).toBe('cancelled');
    expect(published.find((m) => m.notification_id === id)).toBeUndefined();
    expect((await kit.request('DELETE', `/api/v1/notifications/${id}`, { auth: kit.sendKey })).status).toBe(409);
  });

  it('refuses to cancel once a relay may have published it: its lease ran out before the bookkeeping (409)', async () => {
    const user = await kit.createUser();
    const sendAt = new Date(Date.now() + 3_600_000).toISOString();
    const id = (await send(kit, emailTo(user.id, { send_at: sendAt }))).body.data.notification_id;
    // a relay leased the row and published it, then died before deleting the row; its lease has expired since
    await kit.infra.database.db.execute(
      sql`update outbox set leased_until = now() - interval '1 minute' where notification_id = ${id}`,
    );

    const res = await kit.request('DELETE', `/api/v1/notifications/${id}`, { auth: kit.sendKey });

    expect(res.status).toBe(409);
    const got = await kit.request('GET', `/api/v1/notifications/${id}`, { auth: kit.sendKey });
    expect(got.body.data.status).not.toBe('cancelled');
  });

  it('refuses to cancel a notification already queued (409)', async () => {
    const user = await kit.createUser();
    const id = (await send(kit, emailTo(user.id))).body.data.notification_id;
    await expect.poll(() => published.some((m) => m.notification_id === id)).toBe(true);
    await expect
      .poll(async () => (await kit.request('GET', `/api/v1/notifications/${id}`, { auth: kit.sendKey })).body.data.status)
      .toBe('queued');
    const res = await kit.request('DELETE', `/api/v1/notifications/${id}`, { auth: kit.sendKey });
    expect(res.status).toBe(409);
  });

  it('accepts a batch with a result per item', async () => {
    const user = await kit.createUser();
    const good = emailTo(user.id);
    const res = await kit.request('POST', '/api/v1/notifications/batch', {
      auth: kit.sendKey,
      body: { notifications: [good, { ...good, request_id: randomUUID(), user_id: 'bad' }, emailTo(randomUUID()), good] },
    });
    expect(res.status).toBe(207);
    expect(res.body.data.items.map((i: { status_code: number }) => i.status_code)).toEqual([202, 400, 404, 202]);
    expect(res.body.data.items[3].replayed).toBe(true);
    expect(res.body.data.items[3].data.notification_id).toBe(res.body.data.items[0].data.notification_id);
    expect(res.body.data).toMatchObject({ accepted: 2, rejected: 2 });
  });

  it('refuses a batch over 1000 items', async () => {
    const res = await kit.request('POST', '/api/v1/notifications/batch', {
      auth: kit.sendKey,
      body: { notifications: Array.from({ length: 1001 }, () => ({})) },
    });
    expect(res.status).toBe(400);
  });

  it('lists notifications with filters and pagination meta, only those of the caller', async () => {
    const user = await kit.createUser();
    for (let i = 0; i < 3; i++) await send(kit, emailTo(user.id));
    await send(kit, { ...emailTo(user.id), notification_type: 'push' });
    const page = await kit.request('GET', `/api/v1/notifications?user_id=${user.id}&notification_type=email&limit=2`, {
      auth: kit.sendKey,
    });
    expect(page.status).toBe(200);
    expect(page.body.data).toHaveLength(2);
    expect(page.body.meta).toMatchObject({ total: 3, limit: 2, page: 1, total_pages: 2, has_next: true, has_previous: false });
    const own = await kit.request('GET', '/api/v1/notifications', { auth: user.token });
    expect(own.body.meta.total).toBe(4);
    const stranger = await kit.createUser();
    expect((await kit.request('GET', `/api/v1/notifications?user_id=${user.id}`, { auth: stranger.token })).status).toBe(403);
    const id = page.body.data[0].id;
    expect((await kit.request('GET', `/api/v1/notifications/${id}`, { auth: stranger.token })).status).toBe(404);
  });
});

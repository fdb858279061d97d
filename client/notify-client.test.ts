import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPlatform, type PlatformKit } from '../functions/gateway/test-support/platform-kit.js';
import { testDatabases } from '../shared/test-support/test-databases.js';
import { parseRetryAfter } from './notify-api-error.js';
import {
  createNotifyClient,
  type FetchLike,
  NotifyApiError,
  type NotifyClient,
  type SendNotificationRequest,
} from './notify-client.js';

describe('notify client against the in-process platform', () => {
  let kit: PlatformKit;
  let client: NotifyClient;
  let admin: NotifyClient;
  let userId: string;
  const inProcess = (): FetchLike => (input, init) => kit.gateway.app.fetch(new Request(input, init));
  const email = (overrides: Partial<SendNotificationRequest> = {}): SendNotificationRequest => ({
    notification_type: 'email',
    user_id: userId,
    template_code: 'kit_welcome',
    variables: { name: 'Ada' },
    request_id: `client-${randomUUID()}`,
    ...overrides,
  });

  beforeAll(async () => {
    kit = await openPlatform(testDatabases()[0]!);
    client = createNotifyClient({ baseUrl: 'http://gateway.test/', apiKey: kit.sendKey, fetch: inProcess() });
    admin = createNotifyClient({ baseUrl: 'http://gateway.test', apiKey: kit.adminKey, fetch: inProcess() });
    userId = (await kit.createUser()).id;
  });
  afterAll(() => kit.close());

  it('sends, and a replay with the same Idempotency-Key answers the same notification', async () => {
    const key = `idem-${randomUUID()}`;
    const first = await client.send(email({ request_id: undefined }), { idempotencyKey: key });
    const replay = await client.send(email({ request_id: undefined }), { idempotencyKey: key });
    expect(first.status).toBe('pending');
    expect(replay.notification_id).toBe(first.notification_id);
  });

  it('gets a notification with its timeline', async () => {
    const { notification_id } = await client.send(email());
    const got = await client.get(notification_id);
    expect(got).toMatchObject({ id: notification_id, user_id: userId, template_code: 'kit_welcome' });
    expect(Array.isArray(got.timeline)).toBe(true);
  });

  it('sends a batch in chunks, reporting progress, with indexes over the whole list', async () => {
    const items = Array.from({ length: 5 }, (_, i) => email({ request_id: `batch-${randomUUID()}-${i}` }));
    items[3] = { ...items[3]!, user_id: 'not-a-uuid' };
    const progress: Array<[number, number]> = [];
    const result = await client.sendBatch(items, { chunkSize: 2, onProgress: (done, total) => progress.push([done, total]) });
    expect(progress).toEqual([
      [2, 5],
      [4, 5],
      [5, 5],
    ]);
    expect(result).toMatchObject({ accepted: 4, rejected: 1 });
    expect(result.items.map((i) => i.index)).toEqual([0, 1, 2, 3, 4]);
    expect(result.items[3]).toMatchObject({ status_code: 400, success: false });
  });

  it('lists with filters and pagination meta', async () => {
    await client.send(email());
    const page = await admin.list({ user_id: userId, notification_type: 'email', limit: 2 });
    expect(page.data.length).toBeLessThanOrEqual(2);
    expect(page.data.every((n) => n.user_id === userId)).toBe(true);
    expect(page.meta).toMatchObject({ page: 1, limit: 2, has_previous: false });
    expect(page.meta.total).toBeGreaterThanOrEqual(2);
  });

  it('cancels a scheduled notification, and cancelling again is a 409', async () => {
    const { notification_id } = await client.send(email({ send_at: new Date(Date.now() + 3_600_000).toISOString() }));
    expect(await client.cancel(notification_id)).toEqual({ id: notification_id, status: 'cancelled' });
    expect((await client.get(notification_id)).status).toBe('cancelled');
    await expect(client.cancel(notification_id)).rejects.toMatchObject({ status: 409 });
  });

  it('turns a 404, a 400 and a 422 into NotifyApiError with status, code and meta', async () => {
    const missing = await client.get(randomUUID()).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotifyApiError);
    expect(missing).toMatchObject({ status: 404, code: 'not_found' });

    const invalid = await client.send(email({ user_id: 'nope' })).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(NotifyApiError);
    expect(invalid).toMatchObject({ status: 400, code: 'validation_error' });
    expect((invalid as NotifyApiError).meta).toHaveProperty('correlation_id');

    const unrenderable = await client.send(email({ variables: {} })).catch((e: unknown) => e);
    expect(unrenderable).toBeInstanceOf(NotifyApiError);
    expect(unrenderable).toMatchObject({ status: 422 });
    expect((unrenderable as NotifyApiError).message).toMatch(/name/);
  });

  it('manages users and preferences, and logs in', async () => {
    const mail = `c-${randomUUID()}@example.com`;
    const anonymous = createNotifyClient({ baseUrl: 'http://gateway.test', fetch: inProcess() });
    const user = await anonymous.users.create({ name: 'Grace', email: mail, password: 'a good password' });
    const login = await anonymous.login(mail, 'a good password');
    expect(login.user_id).toBe(user.id);

    const own = createNotifyClient({ baseUrl: 'http://gateway.test', apiKey: login.access_token, fetch: inProcess() });
    expect((await own.users.update(user.id, { name: 'Grace H' })).name).toBe('Grace H');
    expect((await own.users.updatePreferences(user.id, { push: false })).push).toBe(false);
    expect((await own.users.preferences(user.id)).push).toBe(false);
    expect((await admin.users.get(user.id)).email).toBe(mail);
    expect((await admin.users.list({ limit: 1 })).meta.limit).toBe(1);
    expect(await admin.users.delete(user.id)).toEqual({ id: user.id, deleted: true });
  });

  it('manages templates: create, version, activate, get, list, render', async () => {
    const code = `client_${randomUUID().slice(0, 8)}`;
    const created = await admin.templates.create({
      template_code: code,
      channel: 'email',
      category: 'onboarding',
      content: { subject: 'Hi {{name}}', html: '<p>v1 {{name}}</p>' },
      variables: [{ name: 'name', required: true }],
    });
    expect(created.version.version).toBe(1);
    const v2 = await admin.templates.addVersion(
      code,
      { content: { subject: 'Yo {{name}}', html: '<p>v2 {{name}}</p>' }, variables: [{ name: 'name' }], activate: false },
      'email',
    );
    expect(v2).toMatchObject({ version: 2, is_active: false });
    expect((await admin.templates.activate(code, 2, 'email')).previous_active_version).toBe(1);
    expect((await admin.templates.get(code)).version.version).toBe(2);
    expect((await admin.templates.list({ category: 'onboarding' })).data.map((t) => t.template_code)).toContain(code);
    const rendered = await admin.templates.render(code, { variables: { name: 'Ada' } });
    expect(rendered.content).toMatchObject({ subject: 'Yo Ada' });
  });

  it('reads Retry-After as seconds', () => {
    expect(parseRetryAfter('7')).toBe(7);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 0)).toBe(10);
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

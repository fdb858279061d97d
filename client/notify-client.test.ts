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

  it('manages workflows: create, version, activate, get, list', async () => {
    const key = `client-wf-${randomUUID().slice(0, 8)}`;
    const send = { type: 'send' as const, channel: 'email' as const, template_code: 'kit_welcome' };
    const created = await admin.workflows.create({ workflow_key: key, name: 'Client flow', steps: [send] });
    expect(created).toMatchObject({ workflow_key: key, active_version: 1, version: 1, steps: [send] });
    const v2 = await admin.workflows.addVersion(key, { steps: [{ type: 'delay', duration: 'PT1H' }, send] });
    expect(v2).toMatchObject({ version: 2, active_version: 1 });
    expect((await admin.workflows.get(key)).steps).toEqual([send]);
    expect(await admin.workflows.activate(key, 2)).toMatchObject({ active_version: 2, version: 2 });
    const page = await admin.workflows.list({ limit: 100 });
    expect(page.data.map((w) => w.workflow_key)).toContain(key);
    await expect(admin.workflows.activate(key, 9)).rejects.toMatchObject({ status: 404 });
  });

  it('triggers a run (a replay answers the same run), follows it to completed with its steps, and cancels another', async () => {
    const key = `client-wf-${randomUUID().slice(0, 8)}`;
    await admin.workflows.create({
      workflow_key: key,
      name: 'Welcome',
      steps: [{ type: 'send', channel: 'email', template_code: 'kit_welcome' }],
    });
    const requestId = `trigger-${randomUUID()}`;
    const run = await client.trigger(key, { user_id: userId, payload: { name: 'Ada' }, request_id: requestId });
    expect(run).toMatchObject({ workflow_key: key, user_id: userId, status: 'running', request_id: requestId });
    const replay = await client.trigger(key, { user_id: userId, payload: { name: 'Ada' }, request_id: requestId });
    expect(replay.workflow_run_id).toBe(run.workflow_run_id);
    await expect.poll(async () => (await client.run(run.workflow_run_id)).status, { timeout: 20_000 }).toBe('completed');
    const finished = await client.run(run.workflow_run_id);
    expect(finished.steps).toHaveLength(1);
    expect(finished.steps[0]).toMatchObject({ index: 0, type: 'send', state: 'completed' });
    expect((await client.get(finished.steps[0]!.notification_id!)).variables).toMatchObject({ name: 'Ada' });
    await expect(client.cancelRun(run.workflow_run_id)).rejects.toMatchObject({ status: 409 });

    const delayed = `client-wf-${randomUUID().slice(0, 8)}`;
    await admin.workflows.create({
      workflow_key: delayed,
      name: 'Later',
      steps: [
        { type: 'delay', duration: 'PT1H' },
        { type: 'send', channel: 'email', template_code: 'kit_welcome' },
      ],
    });
    const waiting = await client.trigger(
      delayed,
      { user_id: userId, payload: { name: 'Ada' } },
      { idempotencyKey: randomUUID() },
    );
    await expect
      .poll(async () => (await client.run(waiting.workflow_run_id)).steps[0]?.state, { timeout: 20_000 })
      .toBe('waiting');
    expect((await client.run(waiting.workflow_run_id)).steps[0]!.wait_until).not.toBeNull();
    expect(await client.cancelRun(waiting.workflow_run_id)).toMatchObject({ status: 'cancelled' });
    expect((await client.run(waiting.workflow_run_id)).steps.map((s) => s.state)).toEqual(['dropped', 'pending']);
  });

  it('triggers a batch in chunks, with indexes over the whole list and a refused item answered in place', async () => {
    const key = `client-wf-${randomUUID().slice(0, 8)}`;
    await admin.workflows.create({
      workflow_key: key,
      name: 'Batch',
      steps: [{ type: 'send', channel: 'email', template_code: 'kit_welcome' }],
    });
    const triggers = Array.from({ length: 3 }, (_, i) => ({
      user_id: userId,
      payload: { name: `Ada ${i}` },
      request_id: `tb-${randomUUID()}`,
    }));
    triggers[1] = { ...triggers[1]!, user_id: 'not-a-uuid' };
    const progress: number[] = [];
    const result = await client.triggerBatch(key, triggers, { chunkSize: 2, onProgress: (done) => progress.push(done) });
    expect(progress).toEqual([2, 3]);
    expect(result).toMatchObject({ accepted: 2, rejected: 1 });
    expect(result.items.map((i) => [i.index, i.status_code])).toEqual([
      [0, 202],
      [1, 400],
      [2, 202],
    ]);
    expect(result.items[2]!.data).toMatchObject({ workflow_key: key, request_id: triggers[2]!.request_id });
  });

  it('reads Retry-After as seconds', () => {
    expect(parseRetryAfter('7')).toBe(7);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 0)).toBe(10);
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

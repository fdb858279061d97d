// @requires DATABASE_URL REDIS_URL AMQP_URL
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import webpush from 'web-push';
import { createRedisCache } from '../../../shared/cache/redis-cache.js';
import { createLogger } from '../../../shared/logging/logger.js';
import { createRabbitQueue } from '../../../shared/queue/rabbitmq/rabbit-queue.js';
import { dropRabbitTopology } from '../../../shared/queue/rabbitmq/topology.js';
import type { RunningFunction } from '../../../shared/runtime/function-module.js';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { emailFunction } from '../../email/function.js';
import { type SmtpTestServer, startSmtpTestServer } from '../../email/test-support/smtp-test-server.js';
import { pushFunction } from '../../push/function.js';
import { type LocalPushService, startLocalPushService } from '../../push/local/local-push-service.js';
import { openPlatform, type PlatformKit } from '../test-support/platform-kit.js';

const WAIT = { timeout: 20_000, interval: 100 };
const amqpUrl = process.env.AMQP_URL!;
const prefix = `fb${randomUUID().slice(0, 8)}.`;

// Issue 18: `notification_type: ["push", "email"]` sends on the first channel that can deliver, on the real
// workers: a push endpoint over HTTPS (the local push service), an SMTP server, Postgres, Redis and RabbitMQ.
describe('channel fallback without a workflow', () => {
  let kit: PlatformKit;
  let smtp: SmtpTestServer;
  let pushService: LocalPushService;
  let email: RunningFunction;
  let push: RunningFunction;
  const vapid = webpush.generateVAPIDKeys();
  const caDir = mkdtempSync(join(tmpdir(), 'fallback-'));

  beforeAll(async () => {
    [smtp, pushService] = await Promise.all([startSmtpTestServer(), startLocalPushService()]);
    const caFile = join(caDir, 'push-ca.pem');
    writeFileSync(caFile, pushService.certificatePem);
    kit = await openPlatform(testDatabases().find((d) => d.kind === 'postgres')!, {
      queue: createRabbitQueue({ url: amqpUrl, logger: createLogger({ level: 'silent', name: 'test' }), prefix }),
      cache: createRedisCache({ url: process.env.REDIS_URL!, keyPrefix: prefix }),
      env: {
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(smtp.port),
        VAPID_PUBLIC_KEY: vapid.publicKey,
        VAPID_PRIVATE_KEY: vapid.privateKey,
        VAPID_SUBJECT: 'mailto:ops@example.com',
        PUSH_LOCAL_HOSTS: '127.0.0.1',
        PUSH_CA_FILE: caFile,
      },
    });
    email = await emailFunction.create(kit.infra, kit.peers);
    push = await pushFunction.create(kit.infra, kit.peers);
    kit.add('email', email);
    kit.add('push', push);
    await email.start?.();
    await push.start?.();
  });
  afterAll(async () => {
    await push?.stop?.();
    await email?.stop?.();
    await kit?.close();
    await dropRabbitTopology(amqpUrl, prefix);
    await Promise.all([smtp?.close(), pushService?.close()]);
    rmSync(caDir, { recursive: true, force: true });
  });

  const body = (userId: string, notificationType: unknown = ['push', 'email']) => ({
    notification_type: notificationType,
    user_id: userId,
    template_code: 'kit_welcome',
    variables: { name: 'Ada' },
    request_id: randomUUID(),
  });
  const send = async (userId: string, notificationType?: unknown) => {
    const res = await kit.request('POST', '/api/v1/notifications', { auth: kit.sendKey, body: body(userId, notificationType) });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return res.body.data as { notification_id: string; notification_type: string; fallback?: unknown };
  };
  const notification = async (id: string) =>
    (await kit.request('GET', `/api/v1/notifications/${id}`, { auth: kit.sendKey })).body.data;
  const mailsFor = (id: string) => smtp.received.filter((m) => m.headers['x-notification-id'] === id);
  const fellBack = (n: { timeline: Array<{ response: string | null }> }) =>
    n.timeline.flatMap((e) => (e.response?.startsWith('fell back') ? [e.response] : []));
  const withDevice = async () => {
    const user = await kit.createUser();
    const subscription = pushService.createSubscription({ applicationServerKey: vapid.publicKey });
    const device = await kit.request('POST', `/api/v1/users/${user.id}/push-subscriptions`, {
      auth: user.token,
      body: { endpoint: subscription.endpoint, keys: subscription.keys },
    });
    expect(device.status, JSON.stringify(device.body)).toBe(201);
    return { user, subscription };
  };

  it('a user without a push device gets the email, and the notification records the channel used', async () => {
    const user = await kit.createUser();

    const accepted = await send(user.id);

    expect(accepted.notification_type).toBe('email');
    await expect.poll(async () => (await notification(accepted.notification_id)).status, WAIT).toBe('delivered');
    const sent = await notification(accepted.notification_id);
    expect(sent.notification_type).toBe('email');
    expect(sent.fallback).toMatchObject({
      channels: ['push', 'email'],
      tried: [{ channel: 'push', reason: 'no push device' }],
      remaining: [],
    });
    expect(fellBack(sent)).toEqual(['fell back from push to email: no push device']);
    expect(mailsFor(accepted.notification_id)).toHaveLength(1);
  });

  it('a push token the endpoint rejects for good (410) falls back to email once; late push reports change nothing', async () => {
    const { user, subscription } = await withDevice();
    pushService.respondWith(subscription.id, { status: 410 });

    const accepted = await send(user.id);

    expect(accepted.notification_type).toBe('push');
    await expect.poll(async () => (await notification(accepted.notification_id)).status, WAIT).toBe('delivered');
    const sent = await notification(accepted.notification_id);
    expect(sent.notification_type).toBe('email');
    expect(sent.fallback.tried).toMatchObject([{ channel: 'push', reason: expect.stringContaining('410') }]);
    expect(fellBack(sent)).toEqual([expect.stringMatching(/^fell back from push to email: .*410/)]);
    expect(pushService.messages(subscription.id)).toHaveLength(0);

    // the push worker's final report again (a redelivery), and a late report of the channel left behind
    const late = { notification_id: accepted.notification_id, channel: 'push' as const, attempt: 1 };
    await kit.infra.queue.publish('status', { ...late, status: 'failed', final: true, timestamp: new Date().toISOString() });
    await kit.infra.queue.publish('status', { ...late, status: 'bounced', timestamp: new Date().toISOString() });
    await expect
      .poll(async () => (await notification(accepted.notification_id)).timeline.length, WAIT)
      .toBe(sent.timeline.length + 2);
    const after = await notification(accepted.notification_id);
    expect(after).toMatchObject({ status: 'delivered', notification_type: 'email' });
    expect(fellBack(after)).toHaveLength(1);
    expect(mailsFor(accepted.notification_id)).toHaveLength(1);
  });

  it('a permanent SMTP refusal (550) of the first channel falls back to push', async () => {
    const { user, subscription } = await withDevice();
    smtp.replyTo(user.email, { code: 550, text: '5.1.1 no such user' });

    const accepted = await send(user.id, ['email', 'push']);

    expect(accepted.notification_type).toBe('email');
    await expect.poll(async () => (await notification(accepted.notification_id)).status, WAIT).toBe('delivered');
    const sent = await notification(accepted.notification_id);
    expect(sent.notification_type).toBe('push');
    expect(sent.fallback.tried).toMatchObject([{ channel: 'email', reason: expect.stringContaining('550') }]);
    expect(pushService.messages(subscription.id)).toHaveLength(1);
    expect(mailsFor(accepted.notification_id)).toHaveLength(0);
  });

  it('a transient push failure (503) retries on push and does not fall back', async () => {
    const { user, subscription } = await withDevice();
    pushService.respondWith(subscription.id, { status: 503, times: 1 });

    const accepted = await send(user.id);

    await expect.poll(async () => (await notification(accepted.notification_id)).status, WAIT).toBe('delivered');
    const sent = await notification(accepted.notification_id);
    expect(sent.notification_type).toBe('push');
    expect(sent.fallback).toMatchObject({ tried: [], remaining: ['email'] });
    expect(sent.timeline.some((e: { status: string }) => e.status === 'pending')).toBe(true);
    expect(pushService.messages(subscription.id)).toHaveLength(1);
    expect(mailsFor(accepted.notification_id)).toHaveLength(0);
  });

  it('a user opted out of push by preference gets the email (through the batch route too)', async () => {
    const user = await kit.createUser({ preferences: { email: true, push: false } });

    const batch = await kit.request('POST', '/api/v1/notifications/batch', {
      auth: kit.sendKey,
      body: { notifications: [body(user.id)] },
    });

    expect(batch.status).toBe(207);
    const [item] = batch.body.data.items;
    expect(item).toMatchObject({ status_code: 202, data: { notification_type: 'email' } });
    await expect.poll(async () => (await notification(item.data.notification_id)).status, WAIT).toBe('delivered');
    expect(fellBack(await notification(item.data.notification_id))).toEqual(['fell back from push to email: opted out']);
    expect(mailsFor(item.data.notification_id)).toHaveLength(1);
  });

  it('a list of one channel is the string form: same answer, same request (a replay)', async () => {
    const user = await kit.createUser();
    const listed = body(user.id, ['email']);

    const first = await kit.request('POST', '/api/v1/notifications', { auth: kit.sendKey, body: listed });
    const again = await kit.request('POST', '/api/v1/notifications', {
      auth: kit.sendKey,
      body: { ...listed, notification_type: 'email' },
    });

    expect(first.status).toBe(202);
    expect(first.body.data.notification_type).toBe('email');
    expect(first.body.data.fallback).toBeUndefined();
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.data.notification_id).toBe(first.body.data.notification_id);
    await expect.poll(async () => (await notification(first.body.data.notification_id)).status, WAIT).toBe('delivered');
    expect((await notification(first.body.data.notification_id)).fallback).toBeNull();
  });

  it.each([
    [[], 'a channel list needs at least one channel'],
    [['push', 'push'], 'each channel may appear only once in the list'],
    [['push', 'sms'], 'every channel of the list must be one of email, push, in_app'],
    ['sms', 'must be one of email, push, in_app, or an ordered list of them'],
  ])('refuses notification_type %j with a 400 that says why', async (notificationType, message) => {
    const user = await kit.createUser();

    const res = await kit.request('POST', '/api/v1/notifications', { auth: kit.sendKey, body: body(user.id, notificationType) });

    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain(message);
  });
});

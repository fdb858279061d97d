import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_ATTEMPTS, openPushKit, type PushKit } from './test-support/push-test-kit.js';

const WAIT = { timeout: 8000, interval: 20 };

describe('push consumer (memory queue, real user and template apps, local push service, fake FCM)', () => {
  let kit: PushKit;
  let template: { code: string; version: number };

  beforeAll(async () => {
    kit = await openPushKit();
    template = await kit.createTemplate({
      content: {
        title: 'Hi {{name}}',
        body: 'Open {{link}}',
        url: '{{link}}',
        image: 'https://cdn.example/hero.png',
        data: { kind: 'digest' },
      },
    });
  });
  afterAll(() => kit.close());

  // the notification's outcome: overall reports but the progress ones (`sending` before the send, `pending` before a retry)
  const overall = (id: string) =>
    kit.statusesOf(id).filter((s) => s.device_id === undefined && s.status !== 'sending' && s.status !== 'pending');
  const ofDevice = (id: string, deviceId: string) => kit.statusesOf(id).filter((s) => s.device_id === deviceId);

  it('delivers the rendered rich notification to every device, one status per device and one overall', async () => {
    const user = await kit.createUser();
    const webA = await kit.addWebDevice(user);
    const webB = await kit.addWebDevice(user);
    const phone = await kit.addFcmDevice(user);
    const message = kit.message(user.id, template, { priority: 9 });

    await kit.queue.publish('push', message);

    await vi.waitFor(() => expect(overall(message.notification_id)).toHaveLength(1), WAIT);
    for (const web of [webA, webB]) {
      expect(kit.payloadsOf(web.subscription)).toEqual([
        {
          notification_id: message.notification_id,
          title: 'Hi Ada',
          body: 'Open https://app.example/inbox',
          url: 'https://app.example/inbox',
          image: 'https://cdn.example/hero.png',
          data: { kind: 'digest' },
        },
      ]);
      expect(kit.pushService.messages(web.subscription.id)[0]).toMatchObject({ urgency: 'high', ttl: 86_400 });
    }
    expect(kit.fcm.accepted.filter((m) => m.message.token === phone.pushToken)).toHaveLength(1);
    await vi.waitFor(() => expect(kit.statusesOf(message.notification_id)).toHaveLength(5), WAIT);
    expect(kit.statusesOf(message.notification_id)[0]).toMatchObject({ status: 'sending', channel: 'push' });
    expect(overall(message.notification_id)[0]).toMatchObject({
      status: 'delivered',
      channel: 'push',
      correlation_id: message.correlation_id,
    });
    for (const id of [webA.deviceId, webB.deviceId, phone.deviceId]) {
      expect(ofDevice(message.notification_id, id)).toEqual([expect.objectContaining({ status: 'delivered' })]);
    }
  });

  it.each([404, 410])('a %i subscription is pruned from the user function; the other devices still get it', async (code) => {
    const user = await kit.createUser();
    const dead = await kit.addWebDevice(user);
    const alive = await kit.addWebDevice(user);
    kit.pushService.respondWith(dead.subscription.id, { status: code });
    const message = kit.message(user.id, template);

    await kit.queue.publish('push', message);

    await vi.waitFor(() => expect(ofDevice(message.notification_id, dead.deviceId)).toHaveLength(1), WAIT);
    expect(ofDevice(message.notification_id, dead.deviceId)[0]).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/device pruned/),
    });
    expect(await kit.deviceIds(user)).toEqual([alive.deviceId]);
    await vi.waitFor(
      () => expect(overall(message.notification_id)).toEqual([expect.objectContaining({ status: 'delivered' })]),
      WAIT,
    );
    expect(kit.payloadsOf(alive.subscription)).toHaveLength(1);
  });

  it('an FCM token answered UNREGISTERED is pruned', async () => {
    const user = await kit.createUser();
    const phone = await kit.addFcmDevice(user);
    kit.fcm.fail(phone.pushToken, 'UNREGISTERED');
    const message = kit.message(user.id, template);

    await kit.queue.publish('push', message);

    await vi.waitFor(
      () => expect(overall(message.notification_id)).toEqual([expect.objectContaining({ status: 'failed' })]),
      WAIT,
    );
    expect(overall(message.notification_id)[0]!.error).toMatch(/UNREGISTERED.*device pruned/);
    expect(await kit.deviceIds(user)).toEqual([]);
  });

  it('429 with Retry-After: the message is retried no sooner than asked, then delivered', async () => {
    const user = await kit.createUser();
    const web = await kit.addWebDevice(user);
    kit.pushService.respondWith(web.subscription.id, { status: 429, retryAfterSeconds: 1, times: 1 });
    const message = kit.message(user.id, template);

    await kit.queue.publish('push', message);

    await vi.waitFor(() => expect(overall(message.notification_id)).toHaveLength(1), WAIT);
    const [pending, delivered] = ofDevice(message.notification_id, web.deviceId);
    expect(pending).toMatchObject({ status: 'pending', error: expect.stringMatching(/429/) });
    expect(delivered).toMatchObject({ status: 'delivered' });
    expect(Date.parse(delivered!.timestamp) - Date.parse(pending!.timestamp)).toBeGreaterThanOrEqual(950);
    expect(kit.payloadsOf(web.subscription)).toHaveLength(1);
  });

  it('5xx on one device retries the message; the device that already got it is not sent to again', async () => {
    const user = await kit.createUser();
    const ok = await kit.addWebDevice(user);
    const flaky = await kit.addWebDevice(user);
    kit.pushService.respondWith(flaky.subscription.id, { status: 503, times: 2 });
    const message = kit.message(user.id, template);

    await kit.queue.publish('push', message);

    await vi.waitFor(() => expect(ofDevice(message.notification_id, flaky.deviceId).at(-1)?.status).toBe('delivered'), WAIT);
    expect(ofDevice(message.notification_id, flaky.deviceId).map((s) => s.status)).toEqual(['pending', 'pending', 'delivered']);
    expect(kit.payloadsOf(ok.subscription)).toHaveLength(1);
    expect(kit.payloadsOf(flaky.subscription)).toHaveLength(1);
    // overall `delivered` went out once, on the first attempt, when the first device had it
    expect(overall(message.notification_id)).toEqual([expect.objectContaining({ status: 'delivered' })]);
    expect(Date.parse(overall(message.notification_id)[0]!.timestamp)).toBeLessThan(
      Date.parse(ofDevice(message.notification_id, flaky.deviceId)[1]!.timestamp),
    );
  });

  it.each([400, 401, 403])(
    '%i is a permanent configuration error: failed, logged loudly, subscription kept, no retry',
    async (code) => {
      const user = await kit.createUser();
      const web = await kit.addWebDevice(user);
      kit.pushService.respondWith(web.subscription.id, { status: code });
      const message = kit.message(user.id, template);

      await kit.queue.publish('push', message);

      await vi.waitFor(() => expect(overall(message.notification_id)).toHaveLength(1), WAIT);
      expect(overall(message.notification_id)[0]).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(new RegExp(`${code}`)),
      });
      expect(kit.statusesOf(message.notification_id).map((s) => s.status)).toEqual(['sending', 'failed', 'failed']);
      expect(await kit.deviceIds(user)).toEqual([web.deviceId]);
      expect(
        kit.logLines.some((l) => l.includes('PUSH CONFIGURATION ERROR') && l.includes(web.deviceId) && l.includes('"level":50')),
      ).toBe(true);
    },
  );

  it('413 from the push service is permanent and the subscription is kept', async () => {
    const user = await kit.createUser();
    const web = await kit.addWebDevice(user);
    kit.pushService.respondWith(web.subscription.id, { status: 413 });
    const message = kit.message(user.id, template);

    await kit.queue.publish('push', message);

    await vi.waitFor(() => expect(overall(message.notification_id)).toHaveLength(1), WAIT);
    expect(overall(message.notification_id)[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/413/) });
    expect(kit.statusesOf(message.notification_id).map((s) => s.status)).toEqual(['sending', 'failed', 'failed']);
    expect(await kit.deviceIds(user)).toEqual([web.deviceId]);
  });

  it('a rendered payload over 4 KB fails before anything is sent', async () => {
    const user = await kit.createUser();
    const web = await kit.addWebDevice(user);
    const message = kit.message(user.id, template, {
      variables: { name: 'Ada', link: `https://app.example/${'x'.repeat(2500)}` },
    });

    await kit.queue.publish('push', message);

    await vi.waitFor(() => expect(overall(message.notification_id)).toHaveLength(1), WAIT);
    expect(overall(message.notification_id)[0]).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/exceeds the Web Push limit/),
    });
    expect(kit.pushService.messages(web.subscription.id)).toHaveLength(0);
  });

  it('a redelivered message (same notification) sends nothing twice and only repeats its final report', async () => {
    const user = await kit.createUser();
    const web = await kit.addWebDevice(user);
    const message = kit.message(user.id, template);

    await kit.queue.publish('push', message);
    await vi.waitFor(() => expect(overall(message.notification_id)).toHaveLength(1), WAIT);
    await kit.queue.publish('push', { ...message, attempt: 1 });
    await kit.queue.publish('push', message);

    await vi.waitFor(async () => {
      const stats = await kit.queue.stats();
      expect(stats.keys.push.depth + stats.keys.push.inFlight).toBe(0);
    }, WAIT);
    expect(kit.payloadsOf(web.subscription)).toHaveLength(1);
    // sending, the device, delivered; then `delivered` again per redelivery (the first report may be what failed)
    expect(kit.statusesOf(message.notification_id).map((s) => [s.status, s.device_id ?? null])).toEqual([
      ['sending', null],
      ['delivered', web.deviceId],
      ['delivered', null],
      ['delivered', null],
      ['delivered', null],
    ]);
  });

  it('a user with no devices: failed "no devices"', async () => {
    const user = await kit.createUser();
    const message = kit.message(user.id, template);

    await kit.queue.publish('push', message);

    await vi.waitFor(() => expect(overall(message.notification_id)).toHaveLength(1), WAIT);
    expect(overall(message.notification_id)[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/no devices/) });
  });

  it('a push service down through every attempt: overall failed with every reason, then dead-lettered for redrive', async () => {
    const user = await kit.createUser();
    const web = await kit.addWebDevice(user);
    const gone = await kit.addWebDevice(user);
    kit.pushService.respondWith(web.subscription.id, { status: 500 });
    kit.pushService.respondWith(gone.subscription.id, { status: 410 });
    const message = kit.message(user.id, template);

    await kit.queue.publish('push', message);

    await vi.waitFor(() => expect(overall(message.notification_id)).toHaveLength(1), WAIT);
    const final = overall(message.notification_id)[0]!;
    expect(final).toMatchObject({ status: 'failed' });
    expect(ofDevice(message.notification_id, web.deviceId).map((s) => s.status)).toEqual([
      ...Array(MAX_ATTEMPTS - 1).fill('pending'),
      'failed',
    ]);
    expect(final.error).toMatch(new RegExp(`${web.deviceId}: gave up after ${MAX_ATTEMPTS} attempts: push service answered 500`));
    expect(final.error).toMatch(new RegExp(`${gone.deviceId}: push service answered 410`));
    await vi.waitFor(async () => {
      const dead = await kit.queue.deadLetters.list();
      expect(dead.some((d) => (d.body as { notification_id: string }).notification_id === message.notification_id)).toBe(true);
    }, WAIT);
  });
});

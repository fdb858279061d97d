import webpush from 'web-push';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startLocalPushService, type LocalPushService } from './local-push-service.js';
import { withOriginBreakers } from './origin-breakers.js';
import type { PushDevice, PushSendOptions } from './push-sender.js';
import { createWebPushSender } from './web-push-sender.js';

const OPTIONS: PushSendOptions = { ttlSeconds: 60, urgency: 'normal' };
const note = { notification_id: '5d3c8a9e-6a8b-4f3c-9a7e-1b2c3d4e5f60', title: 't', body: 'b' };

describe('circuit breaker per push service origin', () => {
  const vapid = { ...webpush.generateVAPIDKeys(), subject: 'mailto:ops@example.com' };
  let down: LocalPushService;
  let up: LocalPushService;

  beforeAll(async () => {
    [down, up] = await Promise.all([startLocalPushService(), startLocalPushService()]);
  });
  afterAll(() => Promise.all([down.close(), up.close()]));

  const device = (service: LocalPushService, failWith?: number): PushDevice => {
    const sub = service.createSubscription();
    if (failWith) service.respondWith(sub.id, { status: failWith });
    return { id: sub.id, type: 'web_push', endpoint: sub.endpoint, keys: sub.keys };
  };

  it('opens after repeated 5xx from one origin: sends to it become retries without a request, other origins flow, and it closes again', async () => {
    // two push services, two origins; each trusts its own certificate
    const senderFor = (service: LocalPushService) => createWebPushSender({ vapid, timeoutMs: 2000, extraCaPem: service.certificatePem });
    const webDown = senderFor(down);
    const webUp = senderFor(up);
    const sender = withOriginBreakers(
      {
        originOf: (d) => webDown.originOf(d),
        send: (d, n, o) => (d.type === 'web_push' && d.endpoint.startsWith(down.origin) ? webDown : webUp).send(d, n, o),
      },
      { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 300 },
    );

    for (let i = 0; i < 3; i++) expect((await sender.send(device(down, 503), note, OPTIONS)).kind).toBe('retry');
    expect(sender.breakerOf(down.origin)?.opened).toBe(true);

    const refusedBefore = down.refusedCount;
    const blocked = await sender.send(device(down, 503), note, OPTIONS);
    expect(blocked).toMatchObject({ kind: 'retry', retryAfterMs: 300, reason: expect.stringMatching(/circuit open/) });
    expect(down.refusedCount).toBe(refusedBefore);

    expect((await sender.send(device(up), note, OPTIONS)).kind).toBe('delivered');

    // after the reset timeout one probe goes through; a success closes the circuit
    const healthy = device(down);
    await vi.waitFor(async () => expect((await sender.send(healthy, note, OPTIONS)).kind).toBe('delivered'), { timeout: 3000, interval: 100 });
    expect(sender.breakerOf(down.origin)?.closed).toBe(true);

    await sender.close?.();
    await webDown.close?.();
    await webUp.close?.();
  });

  it('4xx answers (the subscription\'s business) never open the circuit', async () => {
    const web = createWebPushSender({ vapid, timeoutMs: 2000, extraCaPem: up.certificatePem });
    const sender = withOriginBreakers(web, { volumeThreshold: 2, resetTimeoutMs: 300 });
    for (let i = 0; i < 4; i++) expect((await sender.send(device(up, 410), note, OPTIONS)).kind).toBe('gone');
    expect(sender.breakerOf(up.origin)?.opened).toBe(false);
    await sender.close?.();
  });
});

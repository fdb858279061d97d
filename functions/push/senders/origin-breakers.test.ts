import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import webpush from 'web-push';
import type { TemplateClient } from '../../../shared/clients/template-client.js';
import { testDeliveryCore } from '../../../shared/delivery/testing/test-delivery-core.js';
import { createLogger } from '../../../shared/logging/logger.js';
import type { StatusMessage } from '../../../shared/messages.js';
import { createMemoryQueue } from '../../../shared/queue/memory-queue.js';
import { done } from '../../../shared/queue/queue.js';
import { LOCAL_PUSH_ENDPOINT_POLICY } from '../../../shared/test-support/local-push-policy.js';
import { createSendPush } from '../consumer.js';
import { type LocalPushService, startLocalPushService } from '../local/local-push-service.js';
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
    const senderFor = (service: LocalPushService) =>
      createWebPushSender({
        vapid,
        endpointPolicy: LOCAL_PUSH_ENDPOINT_POLICY,
        timeoutMs: 2000,
        extraCaPem: service.certificatePem,
      });
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
    await vi.waitFor(async () => expect((await sender.send(healthy, note, OPTIONS)).kind).toBe('delivered'), {
      timeout: 3000,
      interval: 100,
    });
    expect(sender.breakerOf(down.origin)?.closed).toBe(true);

    await sender.close?.();
    await webDown.close?.();
    await webUp.close?.();
  });

  it("4xx answers (the subscription's business) never open the circuit", async () => {
    const web = createWebPushSender({
      vapid,
      endpointPolicy: LOCAL_PUSH_ENDPOINT_POLICY,
      timeoutMs: 2000,
      extraCaPem: up.certificatePem,
    });
    const sender = withOriginBreakers(web, { volumeThreshold: 2, resetTimeoutMs: 300 });
    for (let i = 0; i < 4; i++) expect((await sender.send(device(up, 410), note, OPTIONS)).kind).toBe('gone');
    expect(sender.breakerOf(up.origin)?.opened).toBe(false);
    await sender.close?.();
  });

  it('in the consumer, an open circuit turns the send into a retry of the message, never a failure', async () => {
    const logger = createLogger({ level: 'silent', name: 'push' });
    const queue = createMemoryQueue({
      logger,
      policies: { push: { maxAttempts: 10, baseDelayMs: 10, factor: 1, maxDelayMs: 1000, jitter: 0 } },
    });
    const web = createWebPushSender({
      vapid,
      endpointPolicy: LOCAL_PUSH_ENDPOINT_POLICY,
      timeoutMs: 2000,
      extraCaPem: down.certificatePem,
    });
    const sender = withOriginBreakers(web, { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 400 });
    const sub = down.createSubscription();
    down.respondWith(sub.id, { status: 502, times: 2 });
    const handler = createSendPush({
      users: {
        listDevices: async () => [{ id: sub.id, type: 'web_push', endpoint: sub.endpoint, keys: sub.keys }],
        pruneDevice: async () => {},
      },
      templates: {
        render: (async () => ({
          template_code: 't',
          channel: 'push',
          category: 'c',
          language: 'en',
          version: 1,
          content: { title: 'T', body: 'B' },
        })) as TemplateClient['render'],
      },
      sender,
      core: testDeliveryCore({ channel: 'push', queue, logger, maxAttempts: 10 }),
      logger,
      defaults: { ttlSeconds: 60, urgency: 'normal' },
    });
    const statuses: StatusMessage[] = [];
    await queue.consume('status', async (status) => {
      statuses.push(status);
      return done();
    });
    await queue.consume('push', handler);
    const id = randomUUID();

    await queue.publish('push', {
      notification_id: id,
      request_id: 'r',
      correlation_id: 'c',
      attempt: 1,
      priority: 5,
      user_id: randomUUID(),
      template_code: 't',
      template_version: 1,
      language: 'en',
      variables: {},
    });

    const outcome = () => statuses.filter((s) => s.device_id === undefined && s.status !== 'sending' && s.status !== 'pending');
    await vi.waitFor(() => expect(outcome()).toHaveLength(1), { timeout: 5000, interval: 20 });
    const reasons = statuses.filter((s) => s.device_id && s.status === 'pending').map((s) => s.error);
    expect(reasons.some((r) => /circuit open/.test(r ?? ''))).toBe(true);
    expect(statuses.some((s) => s.status === 'failed')).toBe(false);
    expect(outcome()[0]).toMatchObject({ status: 'delivered' });
    expect(down.messages(sub.id)).toHaveLength(1);
    await queue.close();
    await sender.close?.();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import webpush from 'web-push';
import { createProviderMetrics } from '../../shared/metrics/provider-metrics.js';
import { createMetricsRegistry } from '../../shared/metrics/registry.js';
import { LOCAL_PUSH_ENDPOINT_POLICY } from '../../shared/test-support/local-push-policy.js';
import { type LocalPushService, type LocalSubscription, startLocalPushService } from './local/local-push-service.js';
import { withPushMetrics } from './push-metrics.js';
import type { PushDevice, PushSender } from './senders/push-sender.js';
import { createWebPushSender } from './senders/web-push-sender.js';

const deviceOf = (sub: LocalSubscription): PushDevice => ({
  id: sub.id,
  type: 'web_push',
  endpoint: sub.endpoint,
  keys: sub.keys,
});
const note = { notification_id: '0b5f2a43-3a4c-4b8e-9d5e-1f2a3b4c5d6e', title: 'Hi', body: 'There' };
const options = { ttlSeconds: 60, urgency: 'normal' as const };

describe('push provider metrics (real Web Push sender, local push service)', () => {
  const vapid = { ...webpush.generateVAPIDKeys(), subject: 'mailto:ops@example.com' };
  const registry = createMetricsRegistry({ function: 'push', processMetrics: false });
  let service: LocalPushService;
  let sender: PushSender;
  beforeAll(async () => {
    service = await startLocalPushService();
    sender = withPushMetrics(
      createWebPushSender({
        vapid,
        endpointPolicy: LOCAL_PUSH_ENDPOINT_POLICY,
        timeoutMs: 2000,
        extraCaPem: service.certificatePem,
      }),
      createProviderMetrics(registry),
    );
  });
  afterAll(async () => {
    await sender.close?.();
    await service.close();
  });

  it('counts deliveries and failures by class', async () => {
    const ok = service.createSubscription({ applicationServerKey: vapid.publicKey });
    const gone = service.createSubscription({ applicationServerKey: vapid.publicKey });
    service.respondWith(gone.id, { status: 410, times: 1 });
    expect((await sender.send(deviceOf(ok), note, options)).kind).toBe('delivered');
    expect((await sender.send(deviceOf(gone), note, options)).kind).toBe('gone');

    const text = await registry.metrics();
    expect(text).toMatch(/provider_sends_total\{provider="web_push",channel="push",function="push"\} 1/);
    expect(text).toMatch(/provider_failures_total\{provider="web_push",channel="push",class="gone",function="push"\} 1/);
  });
});

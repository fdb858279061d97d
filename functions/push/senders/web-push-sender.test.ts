import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import webpush from 'web-push';
import { LOCAL_PUSH_ENDPOINT_POLICY } from '../../../shared/test-support/local-push-policy.js';
import { type LocalPushService, type LocalSubscription, startLocalPushService } from '../local/local-push-service.js';
import { decryptPushMessage } from '../local/user-agent-crypto.js';
import type { PushDevice, PushNotification, PushSender, PushSendOptions } from './push-sender.js';
import { createWebPushSender, MAX_WEB_PUSH_PLAINTEXT_BYTES } from './web-push-sender.js';

const OPTIONS: PushSendOptions = { ttlSeconds: 3600, urgency: 'high', topic: 'order-42' };

const deviceOf = (sub: LocalSubscription): PushDevice => ({
  id: sub.id,
  type: 'web_push',
  endpoint: sub.endpoint,
  keys: sub.keys,
});
const note = (overrides: Partial<PushNotification> = {}): PushNotification => ({
  notification_id: '0b5f2a43-3a4c-4b8e-9d5e-1f2a3b4c5d6e',
  title: 'Your order shipped',
  body: 'It arrives Tuesday. ✓ ünïcødé',
  url: 'https://shop.example/orders/42',
  data: { order_id: '42' },
  ...overrides,
});

describe('Web Push sender against the local push service', () => {
  const vapid = { ...webpush.generateVAPIDKeys(), subject: 'mailto:ops@example.com' };
  let service: LocalPushService;
  let sender: PushSender;

  beforeAll(async () => {
    service = await startLocalPushService();
    sender = createWebPushSender({
      vapid,
      endpointPolicy: LOCAL_PUSH_ENDPOINT_POLICY,
      timeoutMs: 2000,
      extraCaPem: service.certificatePem,
    });
  });
  afterAll(async () => {
    await sender.close?.();
    await service.close();
  });

  it('delivers an encrypted payload that decrypts intact with the subscription private key (aes128gcm round trip)', async () => {
    const sub = service.createSubscription({ applicationServerKey: vapid.publicKey });

    const result = await sender.send(deviceOf(sub), note(), OPTIONS);

    expect(result).toMatchObject({ kind: 'delivered', statusCode: 201 });
    const [message] = service.messages(sub.id);
    expect(message).toBeDefined();
    // the stored body is ciphertext: the plaintext title is nowhere in it
    expect(message!.body.includes(Buffer.from('Your order shipped'))).toBe(false);
    expect(JSON.parse(decryptPushMessage(message!.body, sub.userAgentKeys).toString('utf8'))).toEqual(note());
    expect(message).toMatchObject({ ttl: 3600, urgency: 'high', topic: 'order-42', contentEncoding: 'aes128gcm' });
    expect(message!.vapid).toEqual({ publicKey: vapid.publicKey, subject: 'mailto:ops@example.com' });
    expect(result.kind === 'delivered' && result.providerMessageId).toMatch(/\/messages\//);
  });

  it('a tampered body no longer decrypts (the payload is authenticated)', async () => {
    const sub = service.createSubscription();
    await sender.send(deviceOf(sub), note(), OPTIONS);
    const body = Buffer.from(service.messages(sub.id)[0]!.body);
    body[body.length - 20]! ^= 0xff;
    expect(() => decryptPushMessage(body, sub.userAgentKeys)).toThrow(/authentication failed/);
  });

  it('refuses a payload over 4 KB before sending, as a permanent failure', async () => {
    const sub = service.createSubscription();
    const result = await sender.send(deviceOf(sub), note({ body: 'x'.repeat(MAX_WEB_PUSH_PLAINTEXT_BYTES) }), OPTIONS);
    expect(result).toMatchObject({
      kind: 'rejected',
      configuration: false,
      reason: expect.stringMatching(/exceeds the Web Push limit/),
    });
    expect(service.messages(sub.id)).toHaveLength(0);
  });

  it('the largest payload that fits is accepted by the push service', async () => {
    const sub = service.createSubscription();
    const base = JSON.stringify(note({ body: '' })).length;
    const result = await sender.send(deviceOf(sub), note({ body: 'y'.repeat(MAX_WEB_PUSH_PLAINTEXT_BYTES - base) }), OPTIONS);
    expect(result.kind).toBe('delivered');
    expect(service.messages(sub.id)[0]!.body.length).toBe(4096);
  });

  it.each([
    [404, 'gone'],
    [410, 'gone'],
    [413, 'rejected'],
    [400, 'rejected'],
    [401, 'rejected'],
    [403, 'rejected'],
    [500, 'retry'],
    [503, 'retry'],
  ] as const)('maps a %i answer to %s', async (status, kind) => {
    const sub = service.createSubscription();
    service.respondWith(sub.id, { status, times: 1 });
    const result = await sender.send(deviceOf(sub), note(), OPTIONS);
    expect(result.kind).toBe(kind);
    expect(result.statusCode).toBe(status);
    if (result.kind === 'rejected') expect(result.configuration).toBe(status !== 413);
  });

  it('maps 429 to a retry after Retry-After', async () => {
    const sub = service.createSubscription();
    service.respondWith(sub.id, { status: 429, retryAfterSeconds: 7, times: 1 });
    expect(await sender.send(deviceOf(sub), note(), OPTIONS)).toMatchObject({
      kind: 'retry',
      statusCode: 429,
      retryAfterMs: 7000,
    });
    // the script ran out: the next send is accepted
    expect((await sender.send(deviceOf(sub), note(), OPTIONS)).kind).toBe('delivered');
  });

  it('a VAPID key the subscription was not made for is a real 403 from the service: a configuration error', async () => {
    const sub = service.createSubscription({ applicationServerKey: webpush.generateVAPIDKeys().publicKey });
    expect(await sender.send(deviceOf(sub), note(), OPTIONS)).toMatchObject({
      kind: 'rejected',
      statusCode: 403,
      configuration: true,
    });
  });

  it('an unknown subscription is a real 404 from the service: gone', async () => {
    const sub = service.createSubscription();
    const device: PushDevice = { id: sub.id, type: 'web_push', endpoint: `${service.origin}/push/never-issued`, keys: sub.keys };
    expect((await sender.send(device, note(), OPTIONS)).kind).toBe('gone');
  });

  it('a timeout is a retry that counts against the origin', async () => {
    const slow = createWebPushSender({
      vapid,
      endpointPolicy: LOCAL_PUSH_ENDPOINT_POLICY,
      timeoutMs: 100,
      extraCaPem: service.certificatePem,
    });
    const sub = service.createSubscription();
    service.respondWith(sub.id, { status: 201, delayMs: 1000, times: 1 });
    expect(await slow.send(deviceOf(sub), note(), OPTIONS)).toMatchObject({ kind: 'retry', countsAgainstOrigin: true });
    await slow.close?.();
  });

  it('without the local CA the certificate is refused: a configuration error, not a retry', async () => {
    const strict = createWebPushSender({ vapid, endpointPolicy: LOCAL_PUSH_ENDPOINT_POLICY, timeoutMs: 2000 });
    const sub = service.createSubscription();
    expect(await strict.send(deviceOf(sub), note(), OPTIONS)).toMatchObject({ kind: 'rejected', configuration: true });
    await strict.close?.();
  });
});

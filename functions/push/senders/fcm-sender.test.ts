import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeFcmServer, startFakeFcmServer } from '../test-support/fake-fcm-server.js';
import { createServiceAccountTokenSource, parseServiceAccount } from './fcm-auth.js';
import { createFcmSender } from './fcm-sender.js';
import { createMissingFcmSender, FCM_NOT_CONFIGURED } from './missing-fcm-sender.js';
import type { PushDevice, PushNotification, PushSender } from './push-sender.js';

const note: PushNotification = {
  notification_id: '8f0c2b7e-0d1e-4a53-8f4b-2b9f0f7c1a11',
  title: 'Hello',
  body: 'World',
  image: 'https://cdn.example/hero.png',
  url: 'https://app.example/inbox',
  data: { thread: 't-1' },
};
const options = { ttlSeconds: 600, urgency: 'high' as const, topic: 'inbox' };
let n = 0;
const token = (): PushDevice => ({
  id: `d${++n}`,
  type: 'fcm',
  push_token: `fcm-token-${n}-${'a'.repeat(40)}`,
  platform: 'android',
});

describe('FCM HTTP v1 sender against a local server speaking the FCM wire protocol', () => {
  let fcm: FakeFcmServer;
  let sender: PushSender;
  let tokens: ReturnType<typeof createServiceAccountTokenSource>;

  beforeAll(async () => {
    fcm = await startFakeFcmServer();
    tokens = createServiceAccountTokenSource({ account: parseServiceAccount(fcm.serviceAccountJson), timeoutMs: 2000 });
    sender = createFcmSender({ projectId: fcm.projectId, tokens, endpoint: fcm.url, timeoutMs: 2000 });
  });
  afterAll(() => fcm.close());

  it('gets an OAuth token with a signed JWT bearer grant and delivers; the token is reused', async () => {
    const device = token();
    const first = await sender.send(device, note, options);
    await sender.send(token(), note, options);

    expect(first).toMatchObject({
      kind: 'delivered',
      statusCode: 200,
      providerMessageId: expect.stringMatching(/^projects\/.+\/messages\//),
    });
    expect(fcm.tokensIssued).toBe(1);
    const sent = fcm.accepted.find((m) => m.message.token === (device as { push_token: string }).push_token)!.message;
    expect(sent.notification).toEqual({ title: 'Hello', body: 'World', image: 'https://cdn.example/hero.png' });
    expect(sent.data).toEqual({ thread: 't-1', notification_id: note.notification_id, url: 'https://app.example/inbox' });
    expect(sent.android).toEqual({ ttl: '600s', priority: 'HIGH', collapse_key: 'inbox' });
    expect(sent.apns.headers).toMatchObject({ 'apns-priority': '10', 'apns-collapse-id': 'inbox' });
  });

  it.each([
    ['UNREGISTERED', 'gone'],
    ['INVALID_TOKEN', 'gone'],
    ['INVALID_PAYLOAD', 'rejected'],
    ['QUOTA_EXCEEDED', 'retry'],
    ['UNAVAILABLE', 'retry'],
    ['INTERNAL', 'retry'],
    ['SENDER_ID_MISMATCH', 'rejected'],
  ] as const)('maps %s to %s', async (error, kind) => {
    const device = token();
    fcm.fail((device as { push_token: string }).push_token, error, { times: 1 });
    expect((await sender.send(device, note, options)).kind).toBe(kind);
  });

  it('QUOTA_EXCEEDED carries Retry-After', async () => {
    const device = token();
    fcm.fail((device as { push_token: string }).push_token, 'QUOTA_EXCEEDED', { times: 1, retryAfterSeconds: 30 });
    expect(await sender.send(device, note, options)).toMatchObject({
      kind: 'retry',
      statusCode: 429,
      retryAfterMs: 30_000,
      countsAgainstOrigin: false,
    });
  });

  it('a revoked access token (401) is dropped, the send retried, and the next attempt gets a fresh token', async () => {
    const issuedBefore = fcm.tokensIssued;
    fcm.revokeTokens();
    expect((await sender.send(token(), note, options)).kind).toBe('retry');
    expect((await sender.send(token(), note, options)).kind).toBe('delivered');
    expect(fcm.tokensIssued).toBe(issuedBefore + 1);
  });

  it('a service account the token endpoint refuses is a permanent configuration error', async () => {
    const wrong = JSON.parse(fcm.serviceAccountJson);
    wrong.client_email = 'someone-else@example.iam.gserviceaccount.com';
    const refused = createFcmSender({
      projectId: fcm.projectId,
      tokens: createServiceAccountTokenSource({ account: parseServiceAccount(JSON.stringify(wrong)), timeoutMs: 2000 }),
      endpoint: fcm.url,
      timeoutMs: 2000,
    });
    expect(await refused.send(token(), note, options)).toMatchObject({
      kind: 'rejected',
      configuration: true,
      reason: expect.stringMatching(/invalid_grant/),
    });
  });

  it('an unreachable FCM is a retry counted against its origin', async () => {
    const down = createFcmSender({ projectId: fcm.projectId, tokens, endpoint: 'http://127.0.0.1:1', timeoutMs: 500 });
    expect(await down.send(token(), note, options)).toMatchObject({ kind: 'retry', countsAgainstOrigin: true });
  });

  it('without credentials, token devices fail with a reason that says what to set', async () => {
    expect(await createMissingFcmSender().send(token(), note, options)).toMatchObject({
      kind: 'rejected',
      reason: FCM_NOT_CONFIGURED,
    });
  });

  it('parseServiceAccount names every missing field', () => {
    expect(() => parseServiceAccount('{"type":"service_account"}')).toThrow(/project_id, client_email, private_key/);
  });
});

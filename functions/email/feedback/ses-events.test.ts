import { createSign, generateKeyPairSync, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusMessage } from '../../../shared/messages.js';
import { createMemoryQueue } from '../../../shared/queue/memory-queue.js';
import type { Queue } from '../../../shared/queue/queue.js';
import { createEmailApp } from '../app.js';
import { captureLogger } from '../test-support/email-test-kit.js';
import { createSesEventIntake } from './ses-events.js';
import { createSnsSignatureVerifier, type SnsEnvelope, snsStringToSign } from './sns-signature.js';

// SNS signs with AWS's key; these tests sign with their own and hand its public key to the verifier
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const CERT_URL = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-test.pem';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ses-feedback';

function signed(
  fields: Omit<SnsEnvelope, 'Signature' | 'SignatureVersion' | 'SigningCertURL' | 'MessageId' | 'TopicArn' | 'Timestamp'>,
  version: '1' | '2' = '2',
): SnsEnvelope {
  const message: SnsEnvelope = {
    MessageId: randomUUID(),
    TopicArn: TOPIC,
    Timestamp: new Date().toISOString(),
    SignatureVersion: version,
    SigningCertURL: CERT_URL,
    Signature: '',
    ...fields,
  };
  message.Signature = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256')
    .update(snsStringToSign(message))
    .sign(privateKey, 'base64');
  return message;
}

const notification = (event: object, version: '1' | '2' = '2') =>
  signed({ Type: 'Notification', Message: JSON.stringify(event) }, version);

describe('POST /api/v1/email/events (SES feedback over SNS)', () => {
  const { logger } = captureLogger();
  let queue: Queue;
  const statuses: StatusMessage[] = [];
  const confirmed: string[] = [];
  let app: ReturnType<typeof createEmailApp>;
  beforeAll(async () => {
    queue = createMemoryQueue({ logger });
    await queue.consume('status', async (s) => {
      statuses.push(s);
      return { type: 'done' };
    });
    app = createEmailApp({
      logger,
      bodyLimitBytes: 64 * 1024,
      readiness: {},
      sesEvents: createSesEventIntake({
        queue,
        logger,
        verifier: createSnsSignatureVerifier({
          fetchCertificate: async () => publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        }),
        confirm: async (url) => void confirmed.push(url),
        subscribeHostAllowlist: ['127.0.0.1:9911'],
        topicArns: [TOPIC],
      }),
    });
  });
  afterAll(() => queue.close());

  // SNS posts JSON as text/plain
  const post = (body: unknown) =>
    app.request('/api/v1/email/events', {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=UTF-8' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const statusesOf = (id: string) => statuses.filter((s) => s.notification_id === id);

  it('a permanent bounce becomes bounced + suppress (hard_bounce), found by our tag', async () => {
    const id = randomUUID();
    const res = await post(
      notification({
        notificationType: 'Bounce',
        mail: { messageId: 'ses-1', tags: { notification_id: [id] } },
        bounce: {
          bounceType: 'Permanent',
          bounceSubType: 'General',
          timestamp: '2030-01-01T00:00:00.000Z',
          bouncedRecipients: [{ emailAddress: 'gone@example.com', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
        },
      }),
    );

    expect(res.status).toBe(200);
    expect((await res.json()).data).toEqual({ type: 'events', published: 1 });
    await expect.poll(() => statusesOf(id)).toHaveLength(1);
    expect(statusesOf(id)[0]).toMatchObject({
      status: 'bounced',
      provider: 'ses',
      provider_message_id: 'ses-1',
      suppress: { address: 'gone@example.com', reason: 'hard_bounce' },
    });
  });

  it('a transient bounce is bounced without suppression', async () => {
    const id = randomUUID();
    await post(
      notification({
        eventType: 'Bounce',
        mail: { messageId: 'ses-2', tags: { notification_id: [id] } },
        bounce: {
          bounceType: 'Transient',
          timestamp: '2030-01-01T00:00:00Z',
          bouncedRecipients: [{ emailAddress: 'full@example.com' }],
        },
      }),
    );
    await expect.poll(() => statusesOf(id)).toHaveLength(1);
    expect(statusesOf(id)[0]!.status).toBe('bounced');
    expect(statusesOf(id)[0]!.suppress).toBeUndefined();
  });

  it('a complaint (SignatureVersion 1) suppresses the address, found by X-Notification-Id', async () => {
    const id = randomUUID();
    const res = await post(
      notification(
        {
          notificationType: 'Complaint',
          mail: { messageId: 'ses-3', headers: [{ name: 'X-Notification-Id', value: id }] },
          complaint: {
            complaintFeedbackType: 'abuse',
            timestamp: '2030-01-01T00:00:00Z',
            complainedRecipients: [{ emailAddress: 'angry@example.com' }],
          },
        },
        '1',
      ),
    );
    expect(res.status).toBe(200);
    await expect.poll(() => statusesOf(id)).toHaveLength(1);
    expect(statusesOf(id)[0]).toMatchObject({
      status: 'complained',
      suppress: { address: 'angry@example.com', reason: 'complaint' },
    });
  });

  it("a delivery is delivered with the receiving server's answer, found by Message-ID", async () => {
    const id = randomUUID();
    await post(
      notification({
        eventType: 'Delivery',
        mail: { messageId: 'ses-4', headers: [{ name: 'Message-ID', value: `<${id}@mail.example.com>` }] },
        delivery: {
          timestamp: '2030-01-01T00:00:00Z',
          recipients: ['a@example.com'],
          smtpResponse: '250 2.6.0 Message received',
        },
      }),
    );
    await expect.poll(() => statusesOf(id)).toHaveLength(1);
    expect(statusesOf(id)[0]).toMatchObject({ status: 'delivered', response: '250 2.6.0 Message received' });
  });

  it('refuses a tampered message, a foreign certificate URL and a body that is not SNS', async () => {
    const tampered = notification({ notificationType: 'Delivery', mail: { messageId: 'x' } });
    tampered.Message = tampered.Message.replace('Delivery', 'Bounce');
    const foreignCert = {
      ...notification({ notificationType: 'Delivery', mail: { messageId: 'x' } }),
      SigningCertURL: 'https://evil.example.com/cert.pem',
    };

    expect((await post(tampered)).status).toBe(403);
    expect((await post(foreignCert)).status).toBe(403);
    expect((await post('not json')).status).toBe(400);
    expect((await post({ hello: 'world' })).status).toBe(400);
  });

  it('confirms a subscription only through an SNS (or allowlisted) SubscribeURL', async () => {
    const ok = signed({
      Type: 'SubscriptionConfirmation',
      Message: 'confirm',
      Token: 't',
      SubscribeURL: 'http://127.0.0.1:9911/confirm?Token=t',
    });
    const aws = signed({
      Type: 'SubscriptionConfirmation',
      Message: 'confirm',
      Token: 't',
      SubscribeURL: 'https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=t',
    });
    const evil = signed({
      Type: 'SubscriptionConfirmation',
      Message: 'confirm',
      Token: 't',
      SubscribeURL: 'https://attacker.example.com/?Action=ConfirmSubscription',
    });

    expect((await post(ok)).status).toBe(200);
    expect((await post(aws)).status).toBe(200);
    expect((await post(evil)).status).toBe(403);
    expect(confirmed).toEqual([ok.SubscribeURL, aws.SubscribeURL]);
  });

  it('refuses a message of a topic not listed, signed or not, and confirms no subscription of one', async () => {
    const foreign = { ...notification({ notificationType: 'Delivery', mail: { messageId: 'x' } }) };
    foreign.TopicArn = 'arn:aws:sns:eu-west-1:999999999999:ses-feedback';
    foreign.Signature = createSign('RSA-SHA256').update(snsStringToSign(foreign)).sign(privateKey, 'base64');
    const before = confirmed.length;
    const subscription = signed({
      Type: 'SubscriptionConfirmation',
      Message: 'confirm',
      Token: 't',
      SubscribeURL: 'https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=foreign',
    });
    subscription.TopicArn = foreign.TopicArn;
    subscription.Signature = createSign('RSA-SHA256').update(snsStringToSign(subscription)).sign(privateKey, 'base64');

    expect((await post(foreign)).status).toBe(403);
    expect((await post(subscription)).status).toBe(403);
    expect(confirmed.length).toBe(before);
  });

  it('an event it cannot tie to a notification is answered 200 and dropped (SNS would resend it for days)', async () => {
    const res = await post(
      notification({
        notificationType: 'Delivery',
        mail: { messageId: 'ses-5' },
        delivery: { timestamp: '2030-01-01T00:00:00Z', recipients: [] },
      }),
    );
    expect(res.status).toBe(200);
    expect((await res.json()).data).toEqual({ type: 'events', published: 0 });
  });
});

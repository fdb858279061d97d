import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailFunction } from '../../functions/email/function.js';
import { suppressions } from '../../functions/gateway/schema.js';
import { openPlatform, type PlatformKit } from '../../functions/gateway/test-support/platform-kit.js';
import type { RunningFunction } from '../../shared/runtime/function-module.js';
import { testDatabases } from '../../shared/test-support/test-databases.js';

/**
 * Attack (issue 13, item 4): forged SES feedback. Signatures are off here
 * (SNS_VERIFY_SIGNATURES=false: the signing key is AWS's), which is the
 * strongest attacker: whatever it posts parses. The topic allow-list, the
 * stored recipient and the SubscribeURL rules must hold on their own.
 * Through the gateway (the public URL) and the email function's own port.
 */
const [pglite] = testDatabases();
const OUR_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ses-feedback';
const FOREIGN_TOPIC = 'arn:aws:sns:eu-west-1:999999999999:ses-feedback';

interface Recorder {
  server: Server;
  url: string;
  hits: string[];
}

async function listen(handler: (path: string) => { status: number; location?: string }): Promise<Recorder> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const answer = handler(req.url ?? '');
    res.writeHead(answer.status, answer.location ? { location: answer.location } : {});
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

const envelope = (type: string, topic: string, extra: Record<string, unknown>) =>
  JSON.stringify({
    Type: type,
    MessageId: randomUUID(),
    TopicArn: topic,
    Timestamp: new Date().toISOString(),
    SignatureVersion: '2',
    Signature: 'AAAA',
    SigningCertURL: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-x.pem',
    ...extra,
  });

const bounce = (topic: string, notificationId: string, address: string) =>
  envelope('Notification', topic, {
    Message: JSON.stringify({
      notificationType: 'Bounce',
      mail: { messageId: `ses-${randomUUID()}`, tags: { notification_id: [notificationId] } },
      bounce: {
        bounceType: 'Permanent',
        timestamp: new Date().toISOString(),
        bouncedRecipients: [{ emailAddress: address, diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
      },
    }),
  });

describe('attack: SES feedback', () => {
  let kit: PlatformKit;
  let email: RunningFunction;
  let confirmTarget: Recorder;
  let redirector: Recorder;

  beforeAll(async () => {
    confirmTarget = await listen(() => ({ status: 200 }));
    redirector = await listen(() => ({ status: 302, location: `${confirmTarget.url}/redirected` }));
    const host = (url: string) => new URL(url).host;
    kit = await openPlatform(pglite!, {
      env: {
        SNS_VERIFY_SIGNATURES: 'false',
        SES_SNS_TOPIC_ARNS: OUR_TOPIC,
        SNS_SUBSCRIBE_HOST_ALLOWLIST: `${host(confirmTarget.url)},${host(redirector.url)}`,
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: '9',
      },
    });
    email = await emailFunction.create(kit.infra, kit.peers);
    kit.add('email', email);
  });
  afterAll(async () => {
    await email?.stop?.();
    await kit?.close();
    confirmTarget?.server.close();
    redirector?.server.close();
  });

  /** SNS posts its JSON as text/plain. */
  const viaGateway = (body: string) =>
    kit.gateway.app.request('/api/v1/email/events', {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=UTF-8' },
      body,
    });
  const viaEmail = (body: string) =>
    email.app.request('/api/v1/email/events', { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
  const suppressed = async (address: string) =>
    (await kit.infra.database.db.select().from(suppressions).where(eq(suppressions.address, address.toLowerCase()))).length > 0;
  /** A status report takes the queue to the gateway: wait until the gateway recorded the notification's bounce. */
  const bounceRecorded = async (id: string) =>
    expect
      .poll(async () => (await kit.request('GET', `/api/v1/notifications/${id}`, { auth: kit.sendKey })).body.data.status, {
        timeout: 10_000,
        interval: 50,
      })
      .toBe('bounced');
  const sendTo = async (userId: string) => {
    const res = await kit.request('POST', '/api/v1/notifications', {
      auth: kit.sendKey,
      body: {
        notification_type: 'email',
        user_id: userId,
        template_code: 'kit_welcome',
        variables: { name: 'Ada' },
        request_id: randomUUID(),
      },
    });
    expect(res.status).toBe(202);
    return res.body.data.notification_id as string;
  };

  it("the gateway takes SNS's text/plain POST and the email function records the real bounce", async () => {
    const user = await kit.createUser();
    const id = await sendTo(user.id);
    const res = await viaGateway(bounce(OUR_TOPIC, id, user.email));
    expect(res.status).toBe(200);
    await bounceRecorded(id);
    expect(await suppressed(user.email)).toBe(true);
  });

  it('a message of another AWS account’s topic is refused (403) and suppresses nothing', async () => {
    const user = await kit.createUser();
    const id = await sendTo(user.id);
    for (const post of [viaGateway, viaEmail]) expect((await post(bounce(FOREIGN_TOPIC, id, user.email))).status).toBe(403);
    expect(await suppressed(user.email)).toBe(false);
  });

  it('a bounce for an unknown notification id suppresses nothing', async () => {
    const victim = `victim-${randomUUID()}@example.com`;
    for (const post of [viaGateway, viaEmail]) expect((await post(bounce(OUR_TOPIC, randomUUID(), victim))).status).toBe(200);
    // a known notification's bounce after them: once it is recorded, the earlier reports were too
    const user = await kit.createUser();
    const id = await sendTo(user.id);
    await viaEmail(bounce(OUR_TOPIC, id, user.email));
    await bounceRecorded(id);
    expect(await suppressed(victim)).toBe(false);
  });

  it("a bounce for a real notification naming someone else's address suppresses nobody", async () => {
    const user = await kit.createUser();
    const victim = await kit.createUser();
    const id = await sendTo(user.id);
    expect((await viaGateway(bounce(OUR_TOPIC, id, victim.email))).status).toBe(200);
    await bounceRecorded(id);
    expect(await suppressed(victim.email)).toBe(false);
    expect(await suppressed(user.email)).toBe(false);
  });

  it('a SubscriptionConfirmation of another topic is refused and its SubscribeURL never fetched; no redirect is followed', async () => {
    const confirmation = (topic: string, url: string) =>
      envelope('SubscriptionConfirmation', topic, { Message: 'confirm', Token: 't', SubscribeURL: url });
    expect((await viaGateway(confirmation(FOREIGN_TOPIC, `${confirmTarget.url}/foreign`))).status).toBe(403);
    expect((await viaGateway(confirmation(OUR_TOPIC, `${redirector.url}/to-elsewhere`))).status).toBe(503);
    expect(redirector.hits).toEqual(['/to-elsewhere']);
    expect(confirmTarget.hits).toEqual([]);
    // the listed topic's confirmation is fetched
    expect((await viaGateway(confirmation(OUR_TOPIC, `${confirmTarget.url}/ours`))).status).toBe(200);
    expect(confirmTarget.hits).toEqual(['/ours']);
  });

  it('operators list and lift suppressions; nobody else may', async () => {
    const user = await kit.createUser();
    const id = await sendTo(user.id);
    await viaEmail(bounce(OUR_TOPIC, id, user.email));
    await bounceRecorded(id);
    const list = await kit.request('GET', '/api/v1/suppressions?limit=100');
    expect(list.status).toBe(200);
    expect(list.body.data).toContainEqual(expect.objectContaining({ address: user.email.toLowerCase(), reason: 'hard_bounce' }));

    const path = `/api/v1/suppressions/${encodeURIComponent(user.email)}`;
    expect((await kit.request('DELETE', path, { auth: kit.sendKey })).status).toBe(403);
    expect((await kit.request('DELETE', path, { auth: user.token })).status).toBe(403);
    expect((await kit.request('GET', '/api/v1/suppressions', { auth: null })).status).toBe(401);
    expect(await suppressed(user.email)).toBe(true);

    expect((await kit.request('DELETE', path)).status).toBe(200);
    expect(await suppressed(user.email)).toBe(false);
    expect((await kit.request('DELETE', path)).status).toBe(404);
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningFunction } from '../../shared/runtime/function-module.js';
import { testDatabases } from '../../shared/test-support/test-databases.js';
import { openPlatform, type PlatformKit } from '../gateway/test-support/platform-kit.js';
import { emailFunction } from './function.js';
import { type SmtpTestServer, startSmtpTestServer } from './test-support/smtp-test-server.js';

const WAIT = { timeout: 20_000, interval: 50 };

// Intake checked the user, the preferences and the suppression list when it accepted each of these; what is true
// when the mail is about to go out is what counts (a scheduled send, a retry, a redrive can come much later).
describe('send-time policy: the email worker re-checks the user right before the provider call', () => {
  let smtp: SmtpTestServer;
  let kit: PlatformKit;
  let email: RunningFunction;

  beforeAll(async () => {
    smtp = await startSmtpTestServer();
    kit = await openPlatform(testDatabases()[0]!, {
      // recipients are re-read through the cached user client: a short TTL keeps the suite short
      env: { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port), CACHE_USER_TTL_SECONDS: '1' },
    });
    email = await emailFunction.create(kit.infra, kit.peers);
    await email.start?.();
  });
  afterAll(async () => {
    await email?.stop?.();
    await kit?.close();
    await smtp?.close();
  });

  const send = async (userId: string, sendInMs = 0) => {
    const res = await kit.request('POST', '/api/v1/notifications', {
      auth: kit.sendKey,
      body: {
        notification_type: 'email',
        user_id: userId,
        template_code: 'kit_welcome',
        variables: { name: 'Ada' },
        request_id: randomUUID(),
        ...(sendInMs > 0 && { send_at: new Date(Date.now() + sendInMs).toISOString() }),
      },
    });
    expect(res.status).toBe(202);
    return res.body.data.notification_id as string;
  };
  const notification = async (id: string) =>
    (await kit.request('GET', `/api/v1/notifications/${id}`, { auth: kit.sendKey })).body.data;
  const mailsFor = (id: string) => smtp.received.filter((m) => m.headers['x-notification-id'] === id);

  it('a scheduled mail to a user who switched email off before it was due is skipped, not sent', async () => {
    const user = await kit.createUser();
    const id = await send(user.id, 2_500);
    const prefs = await kit.request('PUT', `/api/v1/users/${user.id}/preferences`, {
      auth: user.token,
      body: { email: false },
    });
    expect(prefs.status).toBe(200);

    await expect.poll(async () => (await notification(id)).status, WAIT).toBe('skipped');
    expect((await notification(id)).status_reason).toBe('opted_out');
    expect(mailsFor(id)).toEqual([]);
  });

  it('a scheduled mail in a category the user opted out of since is skipped', async () => {
    const user = await kit.createUser();
    const id = await send(user.id, 2_500);
    await kit.request('PUT', `/api/v1/users/${user.id}/preferences`, {
      auth: user.token,
      body: { opt_out_categories: ['onboarding'] },
    });

    await expect.poll(async () => (await notification(id)).status, WAIT).toBe('skipped');
    expect(mailsFor(id)).toEqual([]);
  });

  it('a mail retried after its address was suppressed (hard bounce elsewhere) is suppressed, not sent', async () => {
    const user = await kit.createUser();
    smtp.replyTo(user.email, { code: 451, text: '4.7.1 Greylisted, try again later', times: 1 });
    const id = await send(user.id);
    await expect
      .poll(async () => (await notification(id)).timeline.map((e: { status: string }) => e.status), WAIT)
      .toContain('pending');
    // another notification of the same address hard-bounces meanwhile
    await kit.infra.queue.publish('status', {
      notification_id: id,
      status: 'pending',
      channel: 'email',
      timestamp: new Date().toISOString(),
      attempt: 1,
      suppress: { address: user.email, reason: 'hard_bounce' },
    });

    await expect.poll(async () => (await notification(id)).status, WAIT).toBe('suppressed');
    expect(mailsFor(id)).toEqual([]);
  });

  it('a scheduled mail to a user deleted before it was due is skipped', async () => {
    const user = await kit.createUser();
    const id = await send(user.id, 2_500);
    expect((await kit.request('DELETE', `/api/v1/users/${user.id}`, { auth: user.token })).status).toBe(200);

    await expect.poll(async () => (await notification(id)).status, WAIT).toBe('skipped');
    expect(mailsFor(id)).toEqual([]);
  });

  it('a scheduled mail goes to the address the user has when it is sent', async () => {
    const user = await kit.createUser();
    const id = await send(user.id, 2_500);
    const newAddress = `moved-${randomUUID()}@example.com`;
    expect(
      (await kit.request('PATCH', `/api/v1/users/${user.id}`, { auth: user.token, body: { email: newAddress } })).status,
    ).toBe(200);

    await expect.poll(async () => (await notification(id)).status, WAIT).toBe('delivered');
    expect(mailsFor(id).map((m) => m.to)).toEqual([[newAddress]]);
  });
});

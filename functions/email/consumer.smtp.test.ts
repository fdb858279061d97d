import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpMailer } from './providers/smtp-mailer.js';
import { type EmailKit, emailMessage, openEmailKit, TEST_MAX_ATTEMPTS } from './test-support/email-test-kit.js';
import { closedPort, type SmtpTestServer, startSilentServer, startSmtpTestServer } from './test-support/smtp-test-server.js';

const smtpAt = (port: number, timeoutMs = 2_000) =>
  createSmtpMailer({ host: '127.0.0.1', port, secure: false, poolSize: 2, timeoutMs });

describe('email consumer against a real SMTP server', () => {
  let server: SmtpTestServer;
  let kit: EmailKit;
  beforeAll(async () => {
    server = await startSmtpTestServer();
    kit = await openEmailKit(smtpAt(server.port));
  });
  afterAll(async () => {
    await kit.stop();
    await server.close();
  });
  const receivedBy = (id: string) => server.received.filter((m) => m.messageId === `<${id}@mail.example.com>`);

  it('delivers once with our Message-ID, unsubscribe headers and the provider id; a redelivery sends nothing', async () => {
    const message = emailMessage({ to: 'ok@example.com' });

    await kit.publish(message);
    await expect.poll(() => kit.statusesOf(message.notification_id)).toEqual(['sending', 'delivered']);
    await kit.publish(message);
    await expect.poll(() => kit.statusesOf(message.notification_id)).toEqual(['sending', 'delivered', 'delivered']);

    expect(receivedBy(message.notification_id)).toHaveLength(1);
    const mail = receivedBy(message.notification_id)[0]!;
    expect(mail.headers.subject).toBe('Hello Ada');
    expect(mail.headers['list-unsubscribe']).toMatch(
      /^<https:\/\/notify\.example\.com\/api\/v1\/users\/[0-9a-f-]+\/unsubscribe\?category=marketing&expires=\d+&sig=[\w-]+>$/,
    );
    expect(mail.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    const delivered = kit.statuses.find((s) => s.notification_id === message.notification_id && s.status === 'delivered')!;
    expect(delivered).toMatchObject({ provider: 'smtp', channel: 'email', correlation_id: message.correlation_id });
    expect(delivered.provider_message_id).toMatch(/^Q\d+/);
    expect(delivered.response).toMatch(/^250 /);
  });

  it('two deliveries of one message at once send it once (claim)', async () => {
    const message = emailMessage({ to: 'twice@example.com' });

    await Promise.all([kit.publish(message), kit.publish(message)]);

    await expect.poll(() => kit.statusesOf(message.notification_id).filter((s) => s === 'delivered').length).toBe(2);
    expect(receivedBy(message.notification_id)).toHaveLength(1);
  });

  it('451 (greylisting) is retried, then delivered', async () => {
    server.replyTo('grey@example.com', { code: 451, text: '4.7.1 Greylisted, try again later', times: 1 });
    const message = emailMessage({ to: 'grey@example.com' });

    await kit.publish(message);

    await expect.poll(() => kit.statusesOf(message.notification_id)).toEqual(['sending', 'pending', 'sending', 'delivered']);
    const pending = kit.statuses.find((s) => s.notification_id === message.notification_id && s.status === 'pending')!;
    expect(pending.error).toContain('451 4.7.1 Greylisted');
    expect(receivedBy(message.notification_id)).toHaveLength(1);
  });

  it('421 (service not available, connection closed) is retried, then delivered', async () => {
    server.replyTo('busy@example.com', { code: 421, text: '4.3.2 Service not available, closing transmission channel' });
    const message = emailMessage({ to: 'busy@example.com' });

    await kit.publish(message);
    await expect.poll(() => kit.statusesOf(message.notification_id)).toContain('pending');
    server.replyTo('busy@example.com', { code: 421, text: 'recovered', times: 0 });

    await expect.poll(() => kit.statusesOf(message.notification_id).at(-1)).toBe('delivered');
    // the server hangs up after its 421; which of the two nodemailer reports first depends on timing
    expect(kit.statuses.find((s) => s.notification_id === message.notification_id && s.status === 'pending')!.error).toMatch(
      /421|connection was closed/,
    );
    expect(receivedBy(message.notification_id)).toHaveLength(1);
  });

  it('550 5.1.1 (no such user) fails at once, asks for suppression and dead-letters', async () => {
    server.replyTo('nobody@example.com', {
      code: 550,
      text: '5.1.1 <nobody@example.com>: Recipient address rejected: User unknown',
    });
    const message = emailMessage({ to: 'nobody@example.com' });

    await kit.publish(message);

    await expect.poll(() => kit.statusesOf(message.notification_id)).toEqual(['sending', 'failed']);
    const failed = kit.statuses.find((s) => s.notification_id === message.notification_id && s.status === 'failed')!;
    expect(failed.suppress).toEqual({ address: 'nobody@example.com', reason: 'hard_bounce' });
    expect(failed.error).toContain('5.1.1');
    await expect.poll(() => kit.deadLetterReasons()).toContainEqual(expect.stringContaining('5.1.1'));
  });

  it('552 (mailbox full / too big) fails at once without suppression', async () => {
    server.replyTo('full@example.com', { code: 552, text: '5.2.2 Mailbox full' });
    const message = emailMessage({ to: 'full@example.com' });

    await kit.publish(message);

    await expect.poll(() => kit.statusesOf(message.notification_id)).toEqual(['sending', 'failed']);
    const failed = kit.statuses.find((s) => s.notification_id === message.notification_id && s.status === 'failed')!;
    expect(failed.suppress).toBeUndefined();
    expect(failed.error).toContain('552');
  });

  it('an unknown template fails without sending', async () => {
    const message = emailMessage({ template_code: 'no_such_template', to: 'tpl@example.com' });

    await kit.publish(message);

    await expect.poll(() => kit.statusesOf(message.notification_id)).toEqual(['failed']);
    expect(server.received.filter((m) => m.to.includes('tpl@example.com'))).toHaveLength(0);
  });

  it('a transactional category (security) carries no unsubscribe header', async () => {
    const message = emailMessage({ template_code: 'password_reset', to: 'reset@example.com' });

    await kit.publish(message);

    await expect.poll(() => kit.statusesOf(message.notification_id)).toEqual(['sending', 'delivered']);
    const mail = receivedBy(message.notification_id)[0]!;
    expect(mail.headers['list-unsubscribe']).toBeUndefined();
    expect(mail.headers['x-notification-id']).toBe(message.notification_id);
  });
});

describe('email consumer when the relay cannot be reached', () => {
  it('connection refused is retried up to the limit, then failed and dead-lettered', async () => {
    const kit = await openEmailKit(smtpAt(await closedPort()));
    try {
      const message = emailMessage();
      await kit.publish(message);

      await expect.poll(() => kit.statusesOf(message.notification_id).at(-1)).toBe('failed');
      expect(kit.statusesOf(message.notification_id)).toEqual(['sending', 'pending', 'sending', 'pending', 'sending', 'failed']);
      const failed = kit.statuses.at(-1)!;
      expect(failed.error).toMatch(new RegExp(`gave up after ${TEST_MAX_ATTEMPTS} attempts: .*ECONNREFUSED`));
      await expect.poll(() => kit.deadLetterReasons()).toHaveLength(1);
    } finally {
      await kit.stop();
    }
  });

  it('a relay that never greets times out and is retried', async () => {
    const silent = await startSilentServer();
    const kit = await openEmailKit(smtpAt(silent.port, 200));
    try {
      const message = emailMessage();
      await kit.publish(message);

      await expect.poll(() => kit.statusesOf(message.notification_id)).toContain('pending');
      const pending = kit.statuses.find((s) => s.status === 'pending')!;
      // nodemailer's greeting timeout (ETIMEDOUT)
      expect(pending.error).toMatch(/Greeting never received|timeout/i);
    } finally {
      await kit.stop();
      await silent.close();
    }
  });
});

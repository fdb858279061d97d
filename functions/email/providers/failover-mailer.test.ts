import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger } from '../test-support/email-test-kit.js';
import { type SmtpTestServer, startSmtpTestServer } from '../test-support/smtp-test-server.js';
import { createFailoverMailer } from './failover-mailer.js';
import { type GuardedMailer, guardMailer } from './guard-mailer.js';
import { MailDeliveryError } from './mail-delivery-error.js';
import type { Mailer, OutgoingEmail } from './mailer.js';
import { createSmtpMailer } from './smtp-mailer.js';

let counter = 0;
const mail = (to = 'someone@example.com'): OutgoingEmail => ({
  messageId: `<failover-${++counter}@mail.example.com>`,
  from: 'notify@mail.example.com',
  to,
  subject: 'Hi',
  html: '<p>Hi</p>',
  text: 'Hi',
  headers: {},
  tags: {},
});

describe('failover chain with a circuit breaker per provider (real SMTP servers)', () => {
  const { logger, lines } = captureLogger();
  let primaryServer: SmtpTestServer;
  let secondaryServer: SmtpTestServer;
  let primary: GuardedMailer;
  let chain: Mailer;
  beforeAll(async () => {
    [primaryServer, secondaryServer] = await Promise.all([startSmtpTestServer(), startSmtpTestServer()]);
    const guard = (server: SmtpTestServer, name: string) =>
      guardMailer(
        createSmtpMailer({ name, host: '127.0.0.1', port: server.port, secure: false, poolSize: 1, timeoutMs: 2_000 }),
        {
          logger,
          limiter: { acquire: async () => {} },
          volumeThreshold: 3,
          // long enough that the sends made while it is open never reach it on a loaded machine
          resetTimeoutMs: 3_000,
        },
      );
    primary = guard(primaryServer, 'primary');
    chain = createFailoverMailer([primary, guard(secondaryServer, 'secondary')], logger);
  });
  afterAll(async () => {
    await chain.close();
    await Promise.all([primaryServer.close(), secondaryServer.close()]);
  });

  it('uses the first provider while it works', async () => {
    expect((await chain.send(mail())).provider).toBe('primary');
  });

  it('a permanent refusal does not fail over', async () => {
    primaryServer.replyTo('gone@example.com', { code: 550, text: '5.1.1 User unknown' });
    const before = secondaryServer.received.length;

    const error = await chain.send(mail('gone@example.com')).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MailDeliveryError);
    expect(error).toMatchObject({ kind: 'permanent', hardBounce: true, provider: 'primary' });
    expect(secondaryServer.received.length).toBe(before);
    expect(primary.circuitState()).toBe('closed');
  });

  it('first provider down: the second delivers; the breaker opens and stops calling the first; a half-open probe closes it', async () => {
    primaryServer.setDown(true);

    for (let i = 0; i < 4; i++) expect((await chain.send(mail())).provider).toBe('secondary');
    expect(primary.circuitState()).toBe('open');
    const attemptsWhileOpen = primaryServer.connections;
    for (let i = 0; i < 3; i++) expect((await chain.send(mail())).provider).toBe('secondary');
    expect(primaryServer.connections).toBe(attemptsWhileOpen);
    expect(lines.some((l) => l.includes('email provider circuit opened'))).toBe(true);

    primaryServer.setDown(false);
    await expect.poll(async () => (await chain.send(mail())).provider, { timeout: 15_000, interval: 200 }).toBe('primary');
    expect(primary.circuitState()).toBe('closed');
    expect(lines.some((l) => l.includes('half-open'))).toBe(true);
  });

  it('every provider down is one transient error naming each', async () => {
    primaryServer.setDown(true);
    secondaryServer.setDown(true);
    try {
      const error = await chain.send(mail()).catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: 'transient', retryable: true });
      expect((error as Error).message).toMatch(/all providers failed: primary: .*; secondary: /);
    } finally {
      primaryServer.setDown(false);
      secondaryServer.setDown(false);
    }
  });
});

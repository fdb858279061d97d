import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger } from '../test-support/email-test-kit.js';
import { type SmtpTestServer, startSmtpTestServer } from '../test-support/smtp-test-server.js';
import { createFailoverMailer } from './failover-mailer.js';
import { MailDeliveryError } from './mail-delivery-error.js';
import type { Mailer, OutgoingEmail } from './mailer.js';
import { createSesMailer } from './ses-mailer.js';
import { createSmtpMailer } from './smtp-mailer.js';

let counter = 0;
const mail = (): OutgoingEmail => ({
  messageId: `<ambiguous-${++counter}-${Date.now()}@mail.example.com>`,
  from: 'notify@mail.example.com',
  to: 'someone@example.com',
  subject: 'Hi',
  html: '<p>Hi</p>',
  text: 'Hi',
  headers: {},
  tags: {},
});

const smtp = (server: SmtpTestServer, name: string) =>
  createSmtpMailer({ name, host: '127.0.0.1', port: server.port, secure: false, poolSize: 1, timeoutMs: 2_000 });

const copies = (server: SmtpTestServer, messageId: string) => server.received.filter((m) => m.messageId === messageId).length;

describe('at most one send per attempt (real SMTP servers)', () => {
  const { logger } = captureLogger();
  let first: SmtpTestServer;
  let second: SmtpTestServer;
  let chain: Mailer;
  beforeAll(async () => {
    [first, second] = await Promise.all([startSmtpTestServer(), startSmtpTestServer()]);
    chain = createFailoverMailer([smtp(first, 'first'), smtp(second, 'second')], logger);
  });
  afterAll(async () => {
    await chain.close();
    await Promise.all([first.close(), second.close()]);
  });

  it('a connection dropped after DATA is not failed over nor resent: transient, uncertain, one copy received', async () => {
    const email = mail();
    first.dropAfterData(1);

    const error = await chain.send(email).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MailDeliveryError);
    expect(error).toMatchObject({ kind: 'transient', uncertain: true, provider: 'first' });
    expect(copies(first, email.messageId)).toBe(1);
    expect(copies(second, email.messageId)).toBe(0);

    // the retry (a later attempt, the same Message-ID) goes to the same provider
    expect((await chain.send(email)).provider).toBe('first');
    expect(copies(first, email.messageId)).toBe(2);
    expect(copies(second, email.messageId)).toBe(0);
  });

  it('a server silent after DATA (timeout) is not failed over either', async () => {
    const email = mail();
    first.dropAfterData(1, { hang: true });

    const error = await chain.send(email).catch((e: unknown) => e);

    expect(error).toMatchObject({ kind: 'transient', uncertain: true, provider: 'first' });
    expect(copies(first, email.messageId)).toBe(1);
    expect(copies(second, email.messageId)).toBe(0);
    expect((await chain.send(email)).provider).toBe('first');
    expect(copies(second, email.messageId)).toBe(0);
  });

  it('a provider that certainly refused (421 before DATA) is failed over at once', async () => {
    const email = mail();
    first.setDown(true);
    try {
      expect((await chain.send(email)).provider).toBe('second');
    } finally {
      first.setDown(false);
    }
    expect(copies(first, email.messageId)).toBe(0);
    expect(copies(second, email.messageId)).toBe(1);
  });

  it('after an uncertain end on the second provider, the retry goes to the second again, not back to the first', async () => {
    const email = mail();
    first.setDown(true);
    second.dropAfterData(1);
    try {
      const error = await chain.send(email).catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: 'transient', uncertain: true, provider: 'second' });
    } finally {
      // the servers are the suite's: a failure here must not leave the first down for later cases
      first.setDown(false);
    }

    expect((await chain.send(email)).provider).toBe('second');
    expect(copies(first, email.messageId)).toBe(0);
    expect(copies(second, email.messageId)).toBe(2);
  });
});

describe('SES without a status is uncertain', () => {
  const { logger } = captureLogger();
  let ses: Server;
  let sesCalls = 0;
  let fallback: SmtpTestServer;
  beforeAll(async () => {
    fallback = await startSmtpTestServer();
    // takes the whole request, then drops the connection without an answer
    ses = createServer((req, res) => {
      sesCalls++;
      req.resume();
      req.on('end', () => res.socket?.destroy());
    });
    await new Promise<void>((resolve) => ses.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => ses.close(resolve));
    await fallback.close();
  });

  it('an SES call that ends without a status is not failed over', async () => {
    const port = (ses.address() as AddressInfo).port;
    const chain = createFailoverMailer(
      [
        createSesMailer({
          region: 'eu-west-1',
          endpoint: `http://127.0.0.1:${port}`,
          credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
          timeoutMs: 2_000,
        }),
        smtp(fallback, 'smtp'),
      ],
      logger,
    );
    try {
      const email = mail();
      const error = await chain.send(email).catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: 'transient', uncertain: true, provider: 'ses' });
      expect(sesCalls).toBe(1);
      expect(copies(fallback, email.messageId)).toBe(0);
    } finally {
      await chain.close();
    }
  });
});

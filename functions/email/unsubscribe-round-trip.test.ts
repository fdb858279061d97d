import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../shared/test-support/test-databases.js';
import { JWT_SECRET, openUserKit, type UserKit } from '../user/test-support/user-test-kit.js';
import { createEmailHeaders } from './email-headers.js';
import { createSmtpMailer } from './providers/smtp-mailer.js';
import { type EmailKit, emailMessage, openEmailKit, TEST_FROM } from './test-support/email-test-kit.js';
import { type SmtpTestServer, startSmtpTestServer } from './test-support/smtp-test-server.js';

// PGlite only: the user function's own suite covers Postgres
const [pglite] = testDatabases({});

describe('List-Unsubscribe round trip: email function -> mailbox -> one-click POST -> user function', () => {
  let server: SmtpTestServer;
  let email: EmailKit;
  let users: UserKit;
  beforeAll(async () => {
    server = await startSmtpTestServer();
    users = await openUserKit(pglite!);
    email = await openEmailKit(
      createSmtpMailer({ host: '127.0.0.1', port: server.port, secure: false, poolSize: 1, timeoutMs: 2_000 }),
      {
        // both functions share the token secret, as in every deployment
        headers: createEmailHeaders({
          from: TEST_FROM,
          unsubscribe: {
            baseUrl: 'https://notify.example.com',
            secret: JWT_SECRET,
            ttlMs: 86_400_000,
            transactionalCategories: ['security'],
          },
        }),
      },
    );
  });
  afterAll(async () => {
    await email.stop();
    await server.close();
    await users.close();
  });

  it('the header a mail client finds opts the user out of that category', async () => {
    const user = await users.createUser();
    const message = emailMessage({ user_id: user.id, to: user.email });
    await email.publish(message);
    await expect.poll(() => email.statusesOf(message.notification_id)).toContain('delivered');
    const header = server.received.find((m) => m.messageId?.includes(message.notification_id))!.headers['list-unsubscribe']!;
    const url = new URL(header.match(/<(https:[^>]+)>/)![1]!);

    // RFC 8058: POST the URL with this exact body, no cookies, no auth
    const res = await users.app.request(url.pathname + url.search, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });

    expect(res.status).toBe(200);
    const prefs = await users.request('GET', `/api/v1/users/${user.id}/preferences`, { auth: user.token });
    expect(prefs.body.data.opt_out_categories).toEqual(['marketing']);
  });
});

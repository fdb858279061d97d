import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryCache } from '../../shared/cache/memory-cache.js';
import { createCacheSeal } from '../../shared/cache/sealed-values.js';
import { createTemplateClient } from '../../shared/clients/template-client.js';
import { testDatabases } from '../../shared/test-support/test-databases.js';
import { seedStarterTemplates } from '../template/templates/starter-templates.js';
import { openTemplateTestKit, type TemplateTestKit } from '../template/test-support/template-test-kit.js';
import { createSmtpMailer } from './providers/smtp-mailer.js';
import { type EmailKit, emailMessage, openEmailKit } from './test-support/email-test-kit.js';
import { type SmtpTestServer, startSmtpTestServer } from './test-support/smtp-test-server.js';

// PGlite only: the template function's own suites cover Postgres
const [pglite] = testDatabases({});

describe('email consumer rendering through the real template function', () => {
  let server: SmtpTestServer;
  let templates: TemplateTestKit;
  let kit: EmailKit;
  beforeAll(async () => {
    server = await startSmtpTestServer();
    templates = await openTemplateTestKit(pglite!);
    await seedStarterTemplates(templates.database.db);
    kit = await openEmailKit(
      createSmtpMailer({ host: '127.0.0.1', port: server.port, secure: false, poolSize: 1, timeoutMs: 2_000 }),
      {
        // in one process the template client is handed the template app's fetch, as under npm start
        templates: createTemplateClient({
          fetcher: templates.peer,
          cache: createMemoryCache(),
          seal: createCacheSeal('a test secret'),
        }),
      },
    );
  });
  afterAll(async () => {
    await kit.stop();
    await server.close();
    await templates.close();
  });
  const mailOf = (id: string) => server.received.find((m) => m.messageId?.includes(id));

  it('sends the rendered subject and html of the pinned version, unsubscribable by its category', async () => {
    const message = emailMessage({
      template_code: 'welcome_email',
      variables: { name: 'Ada', link: 'https://example.com/start' },
    });

    await kit.publish(message);

    await expect.poll(() => kit.statusesOf(message.notification_id)).toEqual(['sending', 'delivered']);
    const mail = mailOf(message.notification_id)!;
    expect(mail.headers.subject).toBe('Welcome, Ada!');
    expect(mail.raw).toContain('https://example.com/start');
    expect(mail.headers['list-unsubscribe']).toContain('category=onboarding');
  });

  it('password_reset (category security) is transactional: no unsubscribe header', async () => {
    const message = emailMessage({
      template_code: 'password_reset',
      variables: { name: 'Ada', link: 'https://example.com/reset' },
    });

    await kit.publish(message);

    await expect.poll(() => kit.statusesOf(message.notification_id)).toEqual(['sending', 'delivered']);
    expect(mailOf(message.notification_id)!.headers['list-unsubscribe']).toBeUndefined();
  });

  it('a missing required variable (422 from the template function) fails without retry or send', async () => {
    const message = emailMessage({ template_code: 'welcome_email', variables: { name: 'Ada' } });

    await kit.publish(message);

    await expect.poll(() => kit.statusesOf(message.notification_id)).toEqual(['failed']);
    expect(kit.statuses.find((s) => s.notification_id === message.notification_id && s.status === 'failed')!.error).toMatch(
      /missing_variables/,
    );
    expect(mailOf(message.notification_id)).toBeUndefined();
  });
});

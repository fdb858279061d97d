import { describe, expect, it } from 'vitest';
import { createSmtpMailer } from '../providers/smtp-mailer.js';
import { closedPort } from '../test-support/smtp-test-server.js';
import { startMailCatcher } from './mail-catcher.js';

describe('embedded mail catcher (maildev)', () => {
  it('catches what the SMTP mailer sends and shows it over HTTP', async () => {
    const catcher = await startMailCatcher({ smtpPort: await closedPort(), webPort: await closedPort() });
    const mailer = createSmtpMailer({
      host: catcher.smtpHost,
      port: catcher.smtpPort,
      secure: false,
      poolSize: 1,
      timeoutMs: 5_000,
      ignoreTls: true,
    });
    try {
      await mailer.verify();
      const sent = await mailer.send({
        messageId: '<catcher-1@mail.example.com>',
        from: 'notify@mail.example.com',
        to: 'dev@example.com',
        subject: 'Caught',
        html: '<p>caught</p>',
        text: 'caught',
        headers: {},
        tags: {},
      });
      expect(sent.response).toMatch(/^250/);

      await expect
        .poll(async () =>
          ((await (await fetch(`${catcher.webUrl}/api/email`)).json()) as Array<{ subject: string }>).map((m) => m.subject),
        )
        .toContain('Caught');
      // the web UI, as a browser asks for it
      const page = await fetch(catcher.webUrl, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<html');
    } finally {
      await mailer.close();
      await catcher.stop();
    }
  });
});

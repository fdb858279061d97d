import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryCache } from '../../../shared/cache/memory-cache.js';
import { loadConfig } from '../../../shared/config.js';
import { captureLogger, type EmailKit, emailMessage, openEmailKit } from '../test-support/email-test-kit.js';
import { SES_TEST_CREDENTIALS, type SesEmulator, startSesEmulator } from '../test-support/ses-emulator.js';
import { type SmtpTestServer, startSmtpTestServer } from '../test-support/smtp-test-server.js';
import { createProviderMailers, type ProviderMailers } from './create-mailers.js';
import { createFailoverMailer } from './failover-mailer.js';
import { guardMailer } from './guard-mailer.js';
import { createSesMailer } from './ses-mailer.js';

describe('SMTP down, SES configured: the breaker opens and SES delivers everything', () => {
  let smtp: SmtpTestServer;
  let ses: SesEmulator;
  let mailers: ProviderMailers;
  let kit: EmailKit;
  beforeAll(async () => {
    [smtp, ses] = await Promise.all([startSmtpTestServer(), startSesEmulator()]);
    smtp.setDown(true);
    const { logger } = captureLogger();
    // the SMTP side exactly as the function builds it from EMAIL_PROVIDERS=smtp,ses
    const config = loadConfig({
      NODE_ENV: 'test',
      EMAIL_PROVIDERS: 'smtp',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      EMAIL_BREAKER_VOLUME: '3',
      EMAIL_BREAKER_RESET_MS: '60000',
    });
    mailers = createProviderMailers(config, { cache: createMemoryCache(), logger });
    // SES with the emulator's static credentials (the function relies on the SDK's default chain)
    const sesMailer = guardMailer(
      createSesMailer({ region: 'us-east-1', endpoint: ses.endpoint, credentials: SES_TEST_CREDENTIALS }),
      {
        logger,
        limiter: { acquire: async () => {} },
        volumeThreshold: 3,
        resetTimeoutMs: 60_000,
      },
    );
    kit = await openEmailKit(createFailoverMailer([...mailers.providers, sesMailer], logger));
  });
  afterAll(async () => {
    await kit.stop();
    await Promise.all([smtp.close(), ses.close()]);
  });

  it('nothing is lost: every notification is delivered by SES, and SMTP stops being tried', async () => {
    const messages = Array.from({ length: 12 }, (_, i) => emailMessage({ to: `reader${i}@example.com` }));
    for (const message of messages) await kit.publish(message);

    await expect
      .poll(() => messages.filter((m) => kit.statusesOf(m.notification_id).includes('delivered')).length, { timeout: 10_000 })
      .toBe(12);
    for (const m of messages) {
      expect(kit.statuses.find((s) => s.notification_id === m.notification_id && s.status === 'delivered')!.provider).toBe('ses');
    }
    const stored = await ses.emails();
    expect(new Set(stored.map((e) => JSON.stringify(e.destination))).size).toBe(12);
    expect(mailers.providers[0]!.circuitState()).toBe('open');
    // a handful of tries opened the circuit; the rest never touched the relay
    expect(smtp.connections).toBeLessThan(12);
  });
});

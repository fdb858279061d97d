import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProviderMetrics } from '../../../shared/metrics/provider-metrics.js';
import { createMetricsRegistry } from '../../../shared/metrics/registry.js';
import { captureLogger } from '../test-support/email-test-kit.js';
import { type SmtpTestServer, startSmtpTestServer } from '../test-support/smtp-test-server.js';
import { type GuardedMailer, guardMailer } from './guard-mailer.js';
import type { OutgoingEmail } from './mailer.js';
import { createSmtpMailer } from './smtp-mailer.js';

let counter = 0;
const mail = (to: string): OutgoingEmail => ({
  messageId: `<metrics-${++counter}@mail.example.com>`,
  from: 'notify@mail.example.com',
  to,
  subject: 'Hi',
  html: '<p>Hi</p>',
  text: 'Hi',
  headers: {},
  tags: {},
});

describe('provider metrics of a guarded mailer (real SMTP server)', () => {
  const registry = createMetricsRegistry({ function: 'email', processMetrics: false });
  let server: SmtpTestServer;
  let mailer: GuardedMailer;
  beforeAll(async () => {
    server = await startSmtpTestServer();
    mailer = guardMailer(
      createSmtpMailer({ name: 'smtp', host: '127.0.0.1', port: server.port, secure: false, poolSize: 1, timeoutMs: 2_000 }),
      {
        logger: captureLogger().logger,
        limiter: { acquire: async () => {} },
        volumeThreshold: 50,
        resetTimeoutMs: 1_000,
        metrics: createProviderMetrics(registry),
      },
    );
  });
  afterAll(async () => {
    await mailer.close();
    await server.close();
  });

  it('counts sends, failures by class and rate-limit waits', async () => {
    server.replyTo('gone@example.com', { code: 550, text: '5.1.1 no such user' });
    await mailer.send(mail('ok@example.com'));
    await mailer.send(mail('ok@example.com'));
    await expect(mailer.send(mail('gone@example.com'))).rejects.toThrow();

    const text = await registry.metrics();
    expect(text).toMatch(/provider_sends_total\{provider="smtp",channel="email",function="email"\} 2/);
    expect(text).toMatch(/provider_failures_total\{provider="smtp",channel="email",class="permanent",function="email"\} 1/);
    expect(text).toMatch(/provider_rate_limit_wait_seconds_count\{function="email",provider="smtp"\} 3/);
  });
});

import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import sesLocal from 'aws-ses-v2-local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from './test-support/smtp-test-server.js';
import { createSesMailer } from './ses-mailer.js';

type StartSes = (config?: { host?: string; port?: number }) => Promise<Server>;
// the package is CommonJS with `exports.default`
const startSes = ((sesLocal as unknown as { default?: StartSes }).default ?? (sesLocal as unknown as StartSes));
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

describe('SES mailer against the aws-ses-v2-local emulator', () => {
  let server: Server;
  let endpoint: string;
  beforeAll(async () => {
    // the emulator answers GetAccount (our readiness probe) from this variable
    process.env.AWS_SES_ACCOUNT = JSON.stringify({
      DedicatedIpAutoWarmupEnabled: false,
      Details: { AdditionalContactEmailAddresses: [], ContactLanguage: 'EN', MailType: 'TRANSACTIONAL', ReviewDetails: { CaseId: '1', Status: 'GRANTED' }, UseCaseDescription: 'test', WebsiteURL: 'https://example.com' },
      EnforcementStatus: 'HEALTHY',
      ProductionAccessEnabled: true,
      SendingEnabled: true,
      SendQuota: { Max24HourSend: 50_000, MaxSendRate: 14, SentLast24Hours: 0 },
      SuppressionAttributes: { SuppressedReasons: [] },
    });
    server = await startSes({ host: '127.0.0.1', port: 0 });
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends raw MIME with our headers and returns the SES message id', async () => {
    const mailer = createSesMailer({ region: 'us-east-1', endpoint, credentials });
    try {
      const sent = await mailer.send({
        messageId: '<5b1f2d3c-0000-4000-8000-000000000001@mail.example.com>',
        from: 'Notify <notify@mail.example.com>',
        to: 'ada@example.com',
        subject: 'Hello Ada',
        html: '<p>Hello</p>',
        text: 'Hello',
        headers: { 'List-Unsubscribe': '<https://notify.example.com/u>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
        tags: { notification_id: '5b1f2d3c-0000-4000-8000-000000000001' },
      });

      expect(sent.provider).toBe('ses');
      const store = (await (await fetch(`${endpoint}/store`)).json()) as { emails: Array<Record<string, any>> };
      const stored = store.emails.find((e) => e.messageId === sent.providerMessageId);
      expect(stored).toBeDefined();
      expect(stored!.subject).toBe('Hello Ada');
      expect(JSON.stringify(stored!.destination)).toContain('ada@example.com');
      await expect(mailer.verify()).resolves.toBeUndefined();
    } finally {
      await mailer.close();
    }
  });

  it('an unreachable endpoint is a transient failure', async () => {
    const mailer = createSesMailer({ region: 'us-east-1', endpoint: `http://127.0.0.1:${await closedPort()}`, credentials, timeoutMs: 1_000 });
    try {
      const error = await mailer
        .send({ messageId: '<x@y>', from: 'a@b.c', to: 'd@e.f', subject: 's', html: 'h', text: 't', headers: {}, tags: {} })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: 'transient', provider: 'ses', retryable: true });
    } finally {
      await mailer.close();
    }
  });
});

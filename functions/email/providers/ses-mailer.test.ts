import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SES_TEST_CREDENTIALS as credentials, type SesEmulator, startSesEmulator } from '../test-support/ses-emulator.js';
import { closedPort } from '../test-support/smtp-test-server.js';
import { createSesMailer } from './ses-mailer.js';

describe('SES mailer against the aws-ses-v2-local emulator', () => {
  let ses: SesEmulator;
  let endpoint: string;
  beforeAll(async () => {
    ses = await startSesEmulator();
    endpoint = ses.endpoint;
  });
  afterAll(() => ses.close());

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
      const stored = (await ses.emails()).find((e) => e.messageId === sent.providerMessageId);
      expect(stored).toBeDefined();
      expect(stored!.subject).toBe('Hello Ada');
      expect(JSON.stringify(stored!.destination)).toContain('ada@example.com');
      await expect(mailer.verify()).resolves.toBeUndefined();
    } finally {
      await mailer.close();
    }
  });

  it('an unreachable endpoint is a transient failure', async () => {
    const mailer = createSesMailer({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${await closedPort()}`,
      credentials,
      timeoutMs: 1_000,
    });
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

import { GetAccountCommand, SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import MailComposer from 'nodemailer/lib/mail-composer';
import { classifySesError } from './classify-mail-error.js';
import type { Mailer, OutgoingEmail, SentEmail } from './mailer.js';

export interface SesMailerOptions {
  /** Provider name in statuses and logs. Default `ses`. */
  name?: string;
  region: string;
  /** Only for an emulator (aws-ses-v2-local) or a VPC endpoint; AWS's own endpoint otherwise. */
  endpoint?: string;
  /** Static credentials (emulators); the SDK's default chain (role, env, profile) otherwise. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** SES configuration set whose event destination (SNS) reports bounces, complaints and deliveries. */
  configurationSet?: string;
  timeoutMs?: number;
}

// SES tag values allow only these characters
const TAG_VALUE = /^[A-Za-z0-9_.@-]{1,256}$/;

/**
 * {@link Mailer} over Amazon SES (v2 API). The message goes as raw MIME,
 * composed by nodemailer, so our `Message-ID` and `List-Unsubscribe` headers
 * travel exactly as with SMTP. SES assigns its own Message-ID on the wire; the
 * `notification_id` tag and `X-Notification-Id` header let its events
 * (`POST /api/v1/email/events`) find the notification again.
 */
export function createSesMailer(options: SesMailerOptions): Mailer {
  const name = options.name ?? 'ses';
  const client = new SESv2Client({
    region: options.region,
    ...(options.endpoint && { endpoint: options.endpoint }),
    ...(options.credentials && { credentials: options.credentials }),
    // retries belong to the queue (backoff across minutes, then failover), not to one call
    maxAttempts: 1,
    requestHandler: { requestTimeout: options.timeoutMs ?? 10_000, connectionTimeout: options.timeoutMs ?? 10_000 },
  });

  const raw = (email: OutgoingEmail): Promise<Buffer> =>
    new MailComposer({
      from: email.from,
      to: email.to,
      subject: email.subject,
      html: email.html,
      text: email.text,
      messageId: email.messageId,
      headers: email.headers,
    })
      .compile()
      .build();

  return {
    name,
    async send(email): Promise<SentEmail> {
      try {
        const result = await client.send(
          new SendEmailCommand({
            FromEmailAddress: email.from,
            Destination: { ToAddresses: [email.to] },
            Content: { Raw: { Data: await raw(email) } },
            EmailTags: Object.entries(email.tags)
              .filter(([, value]) => TAG_VALUE.test(value))
              .map(([Name, Value]) => ({ Name, Value })),
            ...(options.configurationSet && { ConfigurationSetName: options.configurationSet }),
          }),
        );
        const id = result.MessageId ?? email.messageId;
        return { provider: name, providerMessageId: id, response: `SES accepted ${id}` };
      } catch (error) {
        throw classifySesError(name, error);
      }
    },
    async verify() {
      try {
        const account = await client.send(new GetAccountCommand({}));
        if (account.SendingEnabled === false) throw new Error('SES sending is disabled for this account');
      } catch (error) {
        throw classifySesError(name, error);
      }
    },
    async close() {
      client.destroy();
    },
  };
}

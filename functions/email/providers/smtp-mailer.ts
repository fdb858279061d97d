import { Readable } from 'node:stream';
import { createTransport, type SendMailOptions } from 'nodemailer';
import { classifySmtpError } from './classify-mail-error.js';
import type { Mailer, SentEmail } from './mailer.js';

/** A message with how far its send got. */
type TrackedMail = SendMailOptions & { progress?: { bodySent: boolean } };

export interface SmtpMailerOptions {
  /** Provider name in statuses and logs. Default `smtp`. */
  name?: string;
  host: string;
  port: number;
  /** TLS from the first byte (port 465). Otherwise STARTTLS is used when the server offers it. */
  secure: boolean;
  auth?: { user: string; pass: string };
  /** Pooled connections kept open to the relay. */
  poolSize: number;
  /** Each of connect, greeting and socket inactivity. */
  timeoutMs: number;
  /** Never upgrade with STARTTLS (local catchers offering a self-signed certificate). */
  ignoreTls?: boolean;
}

/**
 * {@link Mailer} over SMTP with nodemailer's pooled transport: up to
 * `poolSize` connections, each reused for many messages, so a busy consumer
 * pays the TCP/EHLO cost once per connection, not per message.
 */
export function createSmtpMailer(options: SmtpMailerOptions): Mailer {
  const name = options.name ?? 'smtp';
  const transport = createTransport({
    pool: true,
    host: options.host,
    port: options.port,
    secure: options.secure,
    ...(options.auth && { auth: options.auth }),
    ...(options.ignoreTls && { ignoreTLS: true }),
    maxConnections: options.poolSize,
    maxMessages: 1_000,
    // no quiet resend when a connection closes mid-send: after DATA the relay may have the message, and a
    // second copy in the same attempt is what must never happen; retries are the queue's job (backoff,
    // breaker, failover, the same Message-ID), not a hidden loop here
    maxRequeues: 0,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
  });

  // the body is read only once the server answered DATA with 354: from then on the server may have the message
  transport.use('stream', (mail, done) => {
    const progress = (mail.data as TrackedMail).progress;
    if (progress) {
      mail.message.processFunc((input) =>
        Readable.from(
          (async function* () {
            progress.bodySent = true;
            yield* input;
          })(),
          { objectMode: false },
        ),
      );
    }
    done();
  });

  return {
    name,
    async send(email): Promise<SentEmail> {
      let info: { messageId: string; response: string };
      const progress = { bodySent: false };
      try {
        info = await transport.sendMail({
          progress,
          from: email.from,
          to: email.to,
          subject: email.subject,
          html: email.html,
          text: email.text,
          messageId: email.messageId,
          headers: email.headers,
        } as TrackedMail);
      } catch (error) {
        throw classifySmtpError(name, error, progress.bodySent);
      }
      // "250 2.0.0 Ok: queued as 4Bz1" names the relay's queue id, what its logs are searched by
      const queueId = info.response.match(/queued as\s+<?([^\s>]+)>?/i)?.[1];
      return { provider: name, providerMessageId: queueId ?? info.messageId, response: info.response };
    },
    async verify() {
      try {
        await transport.verify();
      } catch (error) {
        throw classifySmtpError(name, error);
      }
    },
    async close() {
      transport.close();
    },
  };
}

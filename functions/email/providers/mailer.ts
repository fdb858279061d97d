/**
 * Port: one email provider (or a failover chain of them), as the email
 * consumer sees it. Adapters: SMTP through nodemailer's pooled transport
 * (`createSmtpMailer`) and Amazon SES (`createSesMailer`); decorators add a
 * circuit breaker and a send-rate limit per provider (`guardMailer`) and
 * the ordered failover of `EMAIL_PROVIDERS` (`createFailoverMailer`).
 *
 * `send` resolves once the provider has accepted the message, and rejects
 * only with a {@link MailDeliveryError} that says whether trying again can
 * help (see `classify-mail-error.ts`, the one place that decides).
 */
export interface Mailer {
  /** Provider name as reported in status messages (`smtp`, `ses`, or `smtp>ses` for a chain). */
  readonly name: string;
  send(email: OutgoingEmail): Promise<SentEmail>;
  /** Throws when the provider cannot be reached or refuses our credentials (readiness). */
  verify(): Promise<void>;
  /** Release pooled connections. */
  close(): Promise<void>;
}

/** One fully rendered message. */
export interface OutgoingEmail {
  /** RFC 5322 `Message-ID`, angle brackets included; derived from the notification id so receivers can spot a duplicate. */
  messageId: string;
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Extra headers (`List-Unsubscribe`, `X-Notification-Id`, ...). */
  headers: Record<string, string>;
  /** Key/value facts a provider can hand back in its delivery events (SES `EmailTags`). */
  tags: Record<string, string>;
}

/** What the provider said when it took the message. */
export interface SentEmail {
  provider: string;
  /** The provider's id for the message (SES MessageId, the SMTP server's queue id), else our Message-ID. */
  providerMessageId: string;
  /** The provider's answer, e.g. the SMTP `250` line. */
  response: string;
}

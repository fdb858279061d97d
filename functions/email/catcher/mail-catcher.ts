import { MailDev } from 'maildev';

export interface MailCatcherOptions {
  /** SMTP port. Default 1025 (MailHog's, so the same SMTP_PORT works in compose). */
  smtpPort?: number;
  /** Web UI and HTTP API port. Default 8025 (MailHog's). */
  webPort?: number;
  /** Interface both listen on. Default 127.0.0.1: a dev tool, not for the network. */
  host?: string;
  /** Keep at most this many messages. Default 1000. */
  maxEmails?: number;
}

export interface MailCatcher {
  smtpHost: string;
  smtpPort: number;
  /** Web UI; the HTTP API is under it (`GET /api/email` lists what was caught). */
  webUrl: string;
  stop(): Promise<void>;
}

/**
 * The embedded stand-in for MailHog under `npm start` (maildev): every mail
 * the email function sends lands here, readable in the browser or over
 * HTTP. Only the dev runner starts it, and only when SMTP_HOST is unset.
 */
export async function startMailCatcher(options: MailCatcherOptions = {}): Promise<MailCatcher> {
  const host = options.host ?? '127.0.0.1';
  const smtpPort = options.smtpPort ?? 1025;
  const webPort = options.webPort ?? 8025;
  const maildev = new MailDev({
    smtp: smtpPort,
    ip: host,
    web: webPort,
    webIp: host,
    maxEmails: options.maxEmails ?? 1000,
    silent: true,
  });
  await maildev.start();
  return {
    smtpHost: host,
    smtpPort,
    webUrl: `http://${host === '0.0.0.0' ? 'localhost' : host}:${webPort}`,
    stop: () => maildev.stop(),
  };
}

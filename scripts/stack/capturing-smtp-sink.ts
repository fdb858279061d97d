import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One message the sink accepted: the headers a delivery check needs. */
export interface CapturedMail {
  messageId: string | undefined;
  notificationId: string | undefined;
  to: string[];
  subject: string | undefined;
  receivedAt: number;
}

export interface CapturingSmtpSink {
  host: string;
  port: number;
  readonly mails: readonly CapturedMail[];
  /** Called for every accepted message, as it is accepted. */
  onMail(listener: (mail: CapturedMail, count: number) => void): void;
  /** Message-IDs seen more than once, with how many times. */
  duplicates(): Map<string, number>;
  close(): Promise<void>;
}

/** Unfolded header fields of a raw message (up to the first blank line). */
function headerFields(raw: string): Map<string, string> {
  const end = raw.search(/\r?\n\r?\n/);
  const head = (end === -1 ? raw : raw.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const fields = new Map<string, string>();
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return fields;
}

/**
 * An SMTP server that accepts everything (no TLS, no auth: a local relay) and
 * keeps the Message-ID, X-Notification-Id, recipients and subject of each
 * message, so a test can count deliveries and duplicates.
 */
export async function startCapturingSmtpSink(port = 0, host = '127.0.0.1'): Promise<CapturingSmtpSink> {
  const mails: CapturedMail[] = [];
  const listeners: Array<(mail: CapturedMail, count: number) => void> = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const fields = headerFields(Buffer.concat(chunks).toString('utf8'));
        const mail: CapturedMail = {
          messageId: fields.get('message-id'),
          notificationId: fields.get('x-notification-id'),
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: fields.get('subject'),
          receivedAt: Date.now(),
        };
        mails.push(mail);
        for (const listener of listeners) listener(mail, mails.length);
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // smtp-server re-emits every client connection's socket error on the server: a client killed
  // mid-session (kill -9 of the email process) resets its connections, which is no fault of the sink
  server.on('error', () => undefined);
  const address = server.server.address() as AddressInfo;
  return {
    host,
    port: address.port,
    mails,
    onMail: (listener) => void listeners.push(listener),
    duplicates() {
      const counts = new Map<string, number>();
      for (const m of mails) if (m.messageId) counts.set(m.messageId, (counts.get(m.messageId) ?? 0) + 1);
      return new Map([...counts].filter(([, n]) => n > 1));
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

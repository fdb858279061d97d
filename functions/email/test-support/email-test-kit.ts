import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Cache } from '../../../shared/cache/cache.js';
import { createMemoryCache } from '../../../shared/cache/memory-cache.js';
import type { Rendered, TemplateClient } from '../../../shared/clients/template-client.js';
import type { DeliveryLedger } from '../../../shared/delivery/delivery-ledger.js';
import { createMemoryLedger } from '../../../shared/delivery/memory-ledger.js';
import { fakeRecipients, testDeliveryCore } from '../../../shared/delivery/testing/test-delivery-core.js';
import { createLogger, type Logger } from '../../../shared/logging/logger.js';
import type { EmailMessage, MessageInput, StatusMessage } from '../../../shared/messages.js';
import { createMemoryQueue } from '../../../shared/queue/memory-queue.js';
import type { Consumer, Queue } from '../../../shared/queue/queue.js';
import type { Channel } from '../../../shared/schemas/channels.js';
import { createSendEmail, type SendEmailDeps } from '../consumer.js';
import { createEmailHeaders } from '../email-headers.js';
import type { Mailer } from '../providers/mailer.js';

export const TEST_SECRET = 'test-secret-'.padEnd(40, 'x');
export const TEST_FROM = 'Notify <notify@mail.example.com>';
export const TEST_MAX_ATTEMPTS = 3;

/** A quiet logger whose lines tests can read. */
export function captureLogger(name = 'email'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    name,
    destination: new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    }),
  });
  return { logger, lines };
}

/**
 * Stand-in for the template function: `welcome_email` (category `marketing`),
 * `password_reset` (category `security`); any other code is unknown (null).
 * Counts renders.
 */
export function fakeTemplates(): Pick<TemplateClient, 'render'> & { renders: number } {
  const client = {
    renders: 0,
    async render(code: string, _channel: Channel, version: number, variables: Record<string, unknown>) {
      client.renders++;
      if (code !== 'welcome_email' && code !== 'password_reset') return null;
      const name = String(variables.name ?? 'there');
      return {
        template_code: code,
        channel: 'email',
        category: code === 'password_reset' ? 'security' : 'marketing',
        language: 'en',
        version,
        content: { subject: `Hello ${name}`, html: `<p>Hello <b>${name}</b></p>`, text: `Hello ${name}` },
        // the fake only speaks the email channel; `never` satisfies the client's channel-generic return type
      } satisfies Rendered<'email'> as never;
    },
  };
  return client;
}

export function emailMessage(overrides: Partial<MessageInput<'email'>> = {}): MessageInput<'email'> {
  return {
    notification_id: randomUUID(),
    request_id: randomUUID(),
    correlation_id: randomUUID(),
    attempt: 1,
    priority: 5,
    user_id: randomUUID(),
    template_code: 'welcome_email',
    template_version: 1,
    language: 'en',
    variables: { name: 'Ada' },
    to: 'ada@example.com',
    ...overrides,
  };
}

export interface EmailKitOptions extends Partial<Omit<SendEmailDeps, 'core'>> {
  /** The delivery ledger (default: one in memory). */
  ledger?: DeliveryLedger;
}

export interface EmailKit {
  queue: Queue;
  cache: Cache;
  ledger: DeliveryLedger;
  recipients: ReturnType<typeof fakeRecipients>;
  /** Addresses the fake gateway reports suppressed. */
  suppressed: Set<string>;
  statuses: StatusMessage[];
  statusesOf(notificationId: string): Array<StatusMessage['status']>;
  templates: ReturnType<typeof fakeTemplates>;
  logLines: string[];
  /** Publish on `email`; a user the kit does not know yet becomes a recipient at the message's `to`. */
  publish(message: MessageInput<'email'>): Promise<void>;
  deadLetterReasons(): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * The email consumer on a memory queue with short retry delays, the delivery
 * core on a memory ledger (or the one given), fake recipients and
 * suppressions, fake templates and the given mailer; every status message is
 * collected.
 */
export async function openEmailKit(mailer: Mailer, overrides: EmailKitOptions = {}): Promise<EmailKit> {
  const { logger, lines } = captureLogger();
  const queue = createMemoryQueue({
    logger,
    policies: { email: { maxAttempts: TEST_MAX_ATTEMPTS, baseDelayMs: 5, factor: 2, maxDelayMs: 50, jitter: 0 } },
  });
  const cache = createMemoryCache();
  const templates = fakeTemplates();
  const statuses: StatusMessage[] = [];
  const statusConsumer = await queue.consume('status', async (message) => {
    statuses.push(message);
    return { type: 'done' };
  });
  const { ledger = createMemoryLedger(), ...deps } = overrides;
  const recipients = fakeRecipients();
  const suppressed = new Set<string>();
  const core = testDeliveryCore({
    channel: 'email',
    queue,
    logger,
    maxAttempts: TEST_MAX_ATTEMPTS,
    ledger,
    users: recipients,
    suppressed,
  });
  const sendEmail = createSendEmail({
    mailer,
    templates,
    core,
    from: TEST_FROM,
    headers: createEmailHeaders({
      from: TEST_FROM,
      unsubscribe: {
        baseUrl: 'https://notify.example.com',
        secret: TEST_SECRET,
        ttlMs: 86_400_000,
        transactionalCategories: ['security'],
      },
    }),
    ...deps,
  });
  const consumer: Consumer = await queue.consume('email', (message: EmailMessage, delivery) => sendEmail(message, delivery), {
    concurrency: 8,
  });
  return {
    queue,
    cache,
    ledger,
    recipients,
    suppressed,
    statuses,
    statusesOf: (id) => statuses.filter((s) => s.notification_id === id).map((s) => s.status),
    templates,
    logLines: lines,
    publish(message) {
      if (!recipients.users.has(message.user_id)) recipients.set(message.user_id, message.to);
      return queue.publish('email', message);
    },
    deadLetterReasons: async () => (await queue.deadLetters.list()).map((d) => d.reason),
    async stop() {
      await consumer.stop();
      await statusConsumer.stop();
      await queue.close();
      await mailer.close();
    },
  };
}

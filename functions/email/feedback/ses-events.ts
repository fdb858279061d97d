import { z } from 'zod';
import { BadRequestError, ForbiddenError, ServiceUnavailableError } from '../../../shared/errors.js';
import type { Logger } from '../../../shared/logging/logger.js';
import type { MessageInput } from '../../../shared/messages.js';
import type { Queue } from '../../../shared/queue/queue.js';
import type { SnsEnvelope, SnsSignatureVerifier } from './sns-signature.js';

const snsEnvelope = z.object({
  Type: z.enum(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']),
  MessageId: z.string().min(1),
  TopicArn: z.string().min(1),
  Message: z.string(),
  Timestamp: z.string().min(1),
  SignatureVersion: z.string(),
  Signature: z.string(),
  SigningCertURL: z.string(),
  Subject: z.string().optional(),
  Token: z.string().optional(),
  SubscribeURL: z.string().optional(),
});

const recipient = z.object({ emailAddress: z.string(), diagnosticCode: z.string().optional(), status: z.string().optional() });
const sesEvent = z.object({
  // identity notifications say notificationType, configuration-set event publishing says eventType
  notificationType: z.string().optional(),
  eventType: z.string().optional(),
  mail: z.object({
    messageId: z.string(),
    timestamp: z.string().optional(),
    headers: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
    tags: z.record(z.string(), z.array(z.string())).optional(),
  }),
  bounce: z
    .object({
      bounceType: z.string(),
      bounceSubType: z.string().optional(),
      bouncedRecipients: z.array(recipient),
      timestamp: z.string(),
    })
    .optional(),
  complaint: z
    .object({ complainedRecipients: z.array(recipient), complaintFeedbackType: z.string().optional(), timestamp: z.string() })
    .optional(),
  delivery: z.object({ timestamp: z.string(), recipients: z.array(z.string()), smtpResponse: z.string().optional() }).optional(),
});
type SesEvent = z.infer<typeof sesEvent>;

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const validEmail = (address: string) => z.email().safeParse(address).success;
const clip = (text: string) => text.slice(0, 2000);
const iso = (timestamp: string) => {
  const date = new Date(timestamp);
  return Number.isNaN(date.getTime()) ? new Date().toISOString() : date.toISOString();
};

/** The notification an SES event is about: our tag, else our `X-Notification-Id` or `Message-ID` header. */
export function notificationIdOf(event: SesEvent): string | undefined {
  const tagged = event.mail.tags?.notification_id?.[0];
  if (tagged && UUID.test(tagged)) return tagged.toLowerCase();
  const header = (name: string) => event.mail.headers?.find((h) => h.name.toLowerCase() === name)?.value;
  return (header('x-notification-id') ?? header('message-id'))?.match(UUID)?.[0]?.toLowerCase();
}

/** Is this SubscribeURL one we may call: AWS's own over https, or a host allowlisted for tests and emulators. */
export function isTrustedSubscribeUrl(url: string, allowlist: string[]): boolean {
  try {
    const u = new URL(url);
    if (allowlist.includes(u.host) || allowlist.includes(u.hostname)) return u.protocol === 'https:' || u.protocol === 'http:';
    return u.protocol === 'https:' && /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(u.hostname);
  } catch {
    return false;
  }
}

export interface SesEventIntakeDeps {
  queue: Pick<Queue, 'publish'>;
  logger: Logger;
  /** Null: signatures are not checked (only where nothing but SNS can reach the route). */
  verifier: SnsSignatureVerifier | null;
  /** Calls a SubscribeURL (a GET) to confirm the subscription. */
  confirm: (url: string) => Promise<void>;
  subscribeHostAllowlist: string[];
  /** Topics whose messages are taken (SES_SNS_TOPIC_ARNS); any other topic's, signed or not, is refused. */
  topicArns: string[];
}

export type IntakeResult =
  | { type: 'subscription_confirmed'; topic_arn: string }
  | { type: 'ignored'; reason: string }
  | { type: 'events'; published: number };

/**
 * `POST /api/v1/email/events`: SES feedback (bounces, complaints,
 * deliveries) delivered by SNS, turned into `status` messages for the
 * gateway: a bounce becomes `bounced`, a complaint `complained` (both may
 * follow `delivered`). A permanent bounce or a complaint carries `suppress`, so the
 * gateway puts the address on its suppression list and refuses later sends.
 */
export function createSesEventIntake(deps: SesEventIntakeDeps) {
  const publish = (message: MessageInput<'status'>) => deps.queue.publish('status', message);

  async function statusesOf(event: SesEvent): Promise<number> {
    const notificationId = notificationIdOf(event);
    const kind = event.eventType ?? event.notificationType ?? 'unknown';
    if (!notificationId) {
      deps.logger.warn({ ses_message_id: event.mail.messageId, kind }, 'SES event without a notification id; ignored');
      return 0;
    }
    const base = {
      notification_id: notificationId,
      channel: 'email' as const,
      attempt: 1,
      provider: 'ses',
      provider_message_id: event.mail.messageId,
    };

    if (kind === 'Bounce' && event.bounce) {
      const permanent = event.bounce.bounceType === 'Permanent';
      for (const r of event.bounce.bouncedRecipients) {
        await publish({
          ...base,
          status: 'bounced',
          timestamp: iso(event.bounce.timestamp),
          error: clip(
            `bounce ${event.bounce.bounceType}/${event.bounce.bounceSubType ?? ''}: ${r.diagnosticCode ?? r.status ?? ''}`,
          ),
          ...(permanent &&
            validEmail(r.emailAddress) && { suppress: { address: r.emailAddress, reason: 'hard_bounce' as const } }),
        });
      }
      return event.bounce.bouncedRecipients.length;
    }
    if (kind === 'Complaint' && event.complaint) {
      for (const r of event.complaint.complainedRecipients) {
        await publish({
          ...base,
          status: 'complained',
          timestamp: iso(event.complaint.timestamp),
          response: clip(`complaint: ${event.complaint.complaintFeedbackType ?? 'unspecified'}`),
          ...(validEmail(r.emailAddress) && { suppress: { address: r.emailAddress, reason: 'complaint' as const } }),
        });
      }
      return event.complaint.complainedRecipients.length;
    }
    if (kind === 'Delivery' && event.delivery) {
      await publish({
        ...base,
        status: 'delivered',
        timestamp: iso(event.delivery.timestamp),
        response: clip(event.delivery.smtpResponse ?? 'delivered'),
      });
      return 1;
    }
    return 0;
  }

  return async function handleSnsMessage(body: string): Promise<IntakeResult> {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (error) {
      throw new BadRequestError('Body is not an SNS message (JSON)', { cause: error });
    }
    const parsed = snsEnvelope.safeParse(json);
    if (!parsed.success) throw new BadRequestError('Body is not an SNS message');
    const envelope = parsed.data as SnsEnvelope & z.infer<typeof snsEnvelope>;
    // another AWS account's topic is signed by SNS just as well: only the topics of this deployment count
    if (!deps.topicArns.includes(envelope.TopicArn)) {
      deps.logger.warn({ topic_arn: envelope.TopicArn, type: envelope.Type }, 'SNS message from a topic not listed; refused');
      throw new ForbiddenError('SNS topic is not one of this deployment');
    }
    if (deps.verifier && !(await deps.verifier(envelope))) throw new ForbiddenError('SNS signature does not verify');

    if (envelope.Type === 'SubscriptionConfirmation') {
      const url = envelope.SubscribeURL ?? '';
      if (!isTrustedSubscribeUrl(url, deps.subscribeHostAllowlist))
        throw new ForbiddenError('SubscribeURL is not an SNS endpoint');
      try {
        await deps.confirm(url);
      } catch (error) {
        throw new ServiceUnavailableError('Could not confirm the SNS subscription', { cause: error });
      }
      deps.logger.info({ topic_arn: envelope.TopicArn }, 'SNS subscription confirmed');
      return { type: 'subscription_confirmed', topic_arn: envelope.TopicArn };
    }
    if (envelope.Type === 'UnsubscribeConfirmation') return { type: 'ignored', reason: 'unsubscribe confirmation' };

    let event: SesEvent;
    try {
      event = sesEvent.parse(JSON.parse(envelope.Message));
    } catch {
      // not an SES event: answer 200 anyway, or SNS would redeliver it for days
      deps.logger.warn({ sns_message_id: envelope.MessageId }, 'SNS notification is not an SES event; ignored');
      return { type: 'ignored', reason: 'not an SES event' };
    }
    return { type: 'events', published: await statusesOf(event) };
  };
}

export type SesEventIntake = ReturnType<typeof createSesEventIntake>;

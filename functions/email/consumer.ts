import { getJson, setJson, type Cache } from '../../shared/cache/cache.js';
import type { TemplateClient } from '../../shared/clients/template-client.js';
import { AppError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logging/logger.js';
import { MESSAGES, type EmailMessage, type StatusMessage } from '../../shared/messages.js';
import { deadLetter, done, retry, type Delivery, type Outcome, type Queue } from '../../shared/queue/queue.js';
import type { EmailHeaders } from './email-headers.js';
import { MailDeliveryError } from './mail-delivery-error.js';
import type { Mailer, SentEmail } from './mailer.js';

export interface SendEmailDeps {
  mailer: Mailer;
  templates: Pick<TemplateClient, 'render'>;
  /** Where status updates go (routing key `status`). */
  queue: Pick<Queue, 'publish'>;
  /** Idempotency markers and the in-flight claim, shared by every replica. */
  cache: Cache;
  logger: Logger;
  /** `EMAIL_FROM`. */
  from: string;
  headers: EmailHeaders;
  /** The `email` retry policy's attempts; the last transient failure is reported `failed`. */
  maxAttempts?: number;
  /** How long one replica holds a notification while sending it. */
  claimTtlMs?: number;
  /** How long "already delivered" is remembered (longer than any retry or redrive). */
  deliveredTtlMs?: number;
  now?: () => number;
}

const MAX_TEXT = 2000;
const clip = (text: string) => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text);

type Failure = { kind: 'transient' | 'permanent'; reason: string; hardBounce?: boolean; response?: string };

function failureOf(error: unknown): Failure {
  if (error instanceof MailDeliveryError) {
    return { kind: error.kind, reason: error.message, hardBounce: error.hardBounce, ...(error.response && { response: error.response }) };
  }
  if (error instanceof AppError) return { kind: error.retryable ? 'transient' : 'permanent', reason: `${error.code}: ${error.message}` };
  // an unexpected error (cache or network blip, a bug): retrying is bounded, guessing "permanent" would lose the mail
  return { kind: 'transient', reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
}

/**
 * The `email` queue handler: deliver one notification, exactly once as far
 * as the receiver can tell, and report every step on `status`.
 *
 * 1. Already delivered (marker in the Cache): re-publish `delivered` (the
 *    earlier publish may be what failed) and finish, sending nothing.
 * 2. Claim the notification for a short while, so two replicas given the same
 *    message (a redelivery racing a slow first try) never send both.
 * 3. `sending`, render the pinned template version, send through the
 *    provider chain, remember it as delivered, `delivered`.
 * 4. Transient failure: `pending` with the reason and `retry` (the queue owns
 *    the backoff); on the last attempt `failed` and dead letter. Permanent:
 *    `failed` (with `suppress` for a hard bounce) and dead letter.
 */
export function createSendEmail(deps: SendEmailDeps) {
  const maxAttempts = deps.maxAttempts ?? MESSAGES.email.retry.maxAttempts;
  const claimTtlMs = deps.claimTtlMs ?? 60_000;
  const deliveredTtlMs = deps.deliveredTtlMs ?? 30 * 86_400_000;
  const now = deps.now ?? Date.now;

  const publish = (message: EmailMessage, status: StatusMessage['status'], extra: Partial<StatusMessage> = {}) =>
    deps.queue.publish('status', {
      notification_id: message.notification_id,
      status,
      channel: 'email',
      timestamp: new Date(now()).toISOString(),
      attempt: message.attempt,
      correlation_id: message.correlation_id,
      ...extra,
    });
  const delivered = (message: EmailMessage, sent: SentEmail) =>
    publish(message, 'delivered', {
      provider: sent.provider,
      provider_message_id: clip(sent.providerMessageId),
      response: clip(sent.response),
    });

  async function deliver(message: EmailMessage): Promise<SentEmail | Failure> {
    const rendered = await deps.templates.render(message.template_code, 'email', message.template_version, message.variables);
    if (!rendered) {
      return { kind: 'permanent', reason: `template ${message.template_code} version ${message.template_version} not found` };
    }
    const identity = deps.headers(message.notification_id, message.user_id, rendered.category);
    return deps.mailer.send({
      messageId: identity.messageId,
      from: deps.from,
      to: message.to,
      subject: rendered.content.subject,
      html: rendered.content.html,
      text: rendered.content.text,
      headers: identity.headers,
      tags: { notification_id: message.notification_id },
    });
  }

  return async function sendEmail(message: EmailMessage, delivery: Delivery): Promise<Outcome> {
    const deliveredKey = `email:delivered:${message.notification_id}`;
    const earlier = await getJson<SentEmail>(deps.cache, deliveredKey);
    if (earlier) {
      deps.logger.info({ provider_message_id: earlier.providerMessageId }, 'email already delivered; not sent again');
      await delivered(message, earlier);
      return done();
    }

    const claimKey = `email:sending:${message.notification_id}`;
    if (!(await deps.cache.setIfAbsent(claimKey, delivery.id, claimTtlMs))) {
      return retry('another worker is sending this notification', claimTtlMs);
    }
    let keepClaim = false;
    try {
      await publish(message, 'sending');
      let result: SentEmail | Failure;
      try {
        result = await deliver(message);
      } catch (error) {
        result = failureOf(error);
      }

      if ('provider' in result) {
        // remember before reporting: if the report fails, the retry finds the marker and only reports
        keepClaim = true;
        await setJson(deps.cache, deliveredKey, result, deliveredTtlMs);
        keepClaim = false;
        deps.logger.info({ provider: result.provider, provider_message_id: result.providerMessageId }, 'email delivered');
        await delivered(message, result);
        return done();
      }

      const response = result.response && { response: clip(result.response) };
      if (result.kind === 'permanent') {
        const suppress = result.hardBounce ? { suppress: { address: message.to, reason: 'hard_bounce' as const } } : {};
        await publish(message, 'failed', { error: clip(result.reason), ...response, ...suppress });
        return deadLetter(result.reason);
      }
      if (delivery.attempt >= maxAttempts) {
        const reason = `gave up after ${delivery.attempt} attempts: ${result.reason}`;
        await publish(message, 'failed', { error: clip(reason), ...response });
        return deadLetter(reason);
      }
      await publish(message, 'pending', { error: clip(`will retry: ${result.reason}`), ...response });
      return retry(result.reason);
    } finally {
      // a send whose marker could not be written keeps its claim until the TTL, so a quick redelivery cannot resend it
      if (!keepClaim) await deps.cache.del(claimKey).catch(() => undefined);
    }
  };
}

export type SendEmail = ReturnType<typeof createSendEmail>;

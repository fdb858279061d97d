import type { Rendered, TemplateClient } from '../../shared/clients/template-client.js';
import type { DeliveryCore, SendInput, SendResult } from '../../shared/delivery/delivery-core.js';
import { renderPinned } from '../../shared/delivery/render-pinned.js';
import type { EmailMessage } from '../../shared/messages.js';
import type { Delivery, Outcome } from '../../shared/queue/queue.js';
import type { EmailHeaders } from './email-headers.js';
import { MailDeliveryError } from './providers/mail-delivery-error.js';
import type { Mailer } from './providers/mailer.js';

export interface SendEmailDeps {
  mailer: Mailer;
  templates: Pick<TemplateClient, 'render'>;
  /** The delivery core of channel `email`: claim, send-time policy, status reports, retries. */
  core: DeliveryCore;
  /** `EMAIL_FROM`. */
  from: string;
  headers: EmailHeaders;
}

/**
 * The `email` queue handler: render the pinned template version and send it
 * through the provider chain, on the delivery core (`shared/delivery/`),
 * which makes it exactly-once as far as the receiver can tell, applies the
 * send-time policy and reports every step on `status`. The address is the
 * user's address now, as the policy step read it, not the one the message
 * was accepted with.
 *
 * A provider failure is transient or permanent as `classify-mail-error.ts`
 * says; a hard bounce also asks the gateway to suppress the address.
 */
export function createSendEmail(deps: SendEmailDeps) {
  async function send({
    message,
    content,
    category,
    recipient,
  }: SendInput<EmailMessage, Rendered<'email'>>): Promise<SendResult> {
    const identity = deps.headers(message.notification_id, message.user_id, category);
    try {
      const sent = await deps.mailer.send({
        messageId: identity.messageId,
        from: deps.from,
        to: recipient.email,
        subject: content.content.subject,
        html: content.content.html,
        text: content.content.text,
        headers: identity.headers,
        tags: { notification_id: message.notification_id },
      });
      return {
        kind: 'delivered',
        fields: { provider: sent.provider, provider_message_id: sent.providerMessageId, response: sent.response },
      };
    } catch (error) {
      if (!(error instanceof MailDeliveryError)) throw error;
      const response = error.response ? { response: error.response } : {};
      if (error.kind === 'transient') return { kind: 'retry', reason: error.message, fields: response };
      const suppress = error.hardBounce ? { suppress: { address: recipient.email, reason: 'hard_bounce' as const } } : {};
      return { kind: 'failed', reason: error.message, fields: { ...response, ...suppress } };
    }
  }

  return function sendEmail(message: EmailMessage, delivery: Delivery): Promise<Outcome> {
    return deps.core.run(message, delivery, { prepare: renderPinned(deps.templates, 'email'), send });
  };
}

export type SendEmail = ReturnType<typeof createSendEmail>;

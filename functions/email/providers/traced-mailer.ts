import { context, SpanKind } from '@opentelemetry/api';
import { withSpan } from '../../../shared/tracing/with-span.js';
import { MailDeliveryError } from './mail-delivery-error.js';
import type { Mailer } from './mailer.js';

const CLIENT_SPAN = { kind: SpanKind.CLIENT };

/**
 * Decorate one provider's {@link Mailer} so every send is a client span
 * (`smtp send`, `ses send`) in the trace of the message being handled: the
 * provider's message id on success, the failure's class on error.
 */
export function withMailTracing(mailer: Mailer): Mailer {
  const spanName = `${mailer.name} send`;
  return {
    name: mailer.name,
    send: (email) =>
      withSpan(spanName, CLIENT_SPAN, context.active(), async (span) => {
        if (span.isRecording()) {
          span.setAttributes({ 'email.provider': mailer.name, 'email.message_id': email.messageId });
          if (email.tags.notification_id) span.setAttribute('notification.id', email.tags.notification_id);
        }
        try {
          const sent = await mailer.send(email);
          if (span.isRecording()) span.setAttribute('email.provider_message_id', sent.providerMessageId);
          return sent;
        } catch (error) {
          if (span.isRecording() && error instanceof MailDeliveryError) span.setAttribute('email.failure', error.kind);
          throw error;
        }
      }),
    verify: () => mailer.verify(),
    close: () => mailer.close(),
  };
}

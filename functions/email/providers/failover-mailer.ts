import type { Logger } from '../../../shared/logging/logger.js';
import { MailDeliveryError } from './mail-delivery-error.js';
import type { Mailer, SentEmail } from './mailer.js';

/** Message-IDs remembered with the provider that may have them; beyond this the oldest are forgotten. */
const PINNED_LIMIT = 10_000;

/**
 * The ordered failover of `EMAIL_PROVIDERS`: each send tries the providers in
 * order and stops at the first that takes it. Only a provider that certainly
 * did not take the message (refused the connection, answered 4xx before the
 * message or at its end, throttled, circuit open) is failed over; a
 * permanent refusal stops there, since another provider would refuse it too.
 *
 * An uncertain end (no answer after the message went out, an SES call
 * without a status) is never failed over: the error goes back to the queue,
 * and the retry of that Message-ID goes to the same provider alone, so the
 * receiver can spot a duplicate by its Message-ID and no second provider
 * ever sends it. The pin is kept in this process (a retry that another
 * instance takes starts the chain from the top).
 */
export function createFailoverMailer(mailers: Mailer[], logger: Logger): Mailer {
  if (mailers.length === 0) throw new Error('createFailoverMailer needs at least one provider');
  if (mailers.length === 1) return mailers[0]!;
  const name = mailers.map((m) => m.name).join('>');
  const pinned = new Map<string, Mailer>();
  const pin = (messageId: string, mailer: Mailer) => {
    pinned.delete(messageId);
    pinned.set(messageId, mailer);
    if (pinned.size > PINNED_LIMIT) pinned.delete(pinned.keys().next().value!);
  };

  return {
    name,
    async send(email): Promise<SentEmail> {
      const held = pinned.get(email.messageId);
      const chain = held ? [held] : mailers;
      const failures: MailDeliveryError[] = [];
      for (const mailer of chain) {
        try {
          const sent = await mailer.send(email);
          pinned.delete(email.messageId);
          return sent;
        } catch (error) {
          if (!(error instanceof MailDeliveryError) || error.kind === 'permanent') {
            pinned.delete(email.messageId);
            throw error;
          }
          if (error.uncertain || held) {
            if (error.uncertain) pin(email.messageId, mailer);
            logger.warn(
              { provider: mailer.name, reason: error.message, message_id: email.messageId },
              'email provider may have taken the message; retrying later on the same provider, not failing over',
            );
            throw error;
          }
          failures.push(error);
          logger.warn({ provider: mailer.name, reason: error.message }, 'email provider failed; trying the next one');
        }
      }
      throw new MailDeliveryError(`all providers failed: ${failures.map((f) => f.message).join('; ')}`, {
        provider: name,
        kind: 'transient',
        cause: failures.at(-1),
      });
    },
    async verify() {
      const results = await Promise.allSettled(mailers.map((m) => m.verify()));
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      // one working provider is enough to deliver
      if (failed.length === mailers.length) throw failed[0]!.reason;
    },
    async close() {
      await Promise.all(mailers.map((m) => m.close()));
    },
  };
}

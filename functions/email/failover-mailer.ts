import type { Logger } from '../../shared/logging/logger.js';
import { MailDeliveryError } from './mail-delivery-error.js';
import type { Mailer, SentEmail } from './mailer.js';

/**
 * The ordered failover of `EMAIL_PROVIDERS`: each send tries the providers in
 * order and stops at the first that takes it. A transient failure (down,
 * throttled, circuit open) moves on to the next; a permanent one (the
 * recipient or message is refused) stops there, since another provider would
 * refuse it too. When every provider failed transiently the error is
 * transient, and the queue retries the message later.
 */
export function createFailoverMailer(mailers: Mailer[], logger: Logger): Mailer {
  if (mailers.length === 0) throw new Error('createFailoverMailer needs at least one provider');
  if (mailers.length === 1) return mailers[0]!;
  const name = mailers.map((m) => m.name).join('>');
  return {
    name,
    async send(email): Promise<SentEmail> {
      const failures: MailDeliveryError[] = [];
      for (const mailer of mailers) {
        try {
          return await mailer.send(email);
        } catch (error) {
          if (!(error instanceof MailDeliveryError) || error.kind === 'permanent') throw error;
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

import type { Recipient } from '../clients/user-client.js';
import type { Channel } from '../schemas/channels.js';
import type { IntakeReason } from '../schemas/notification-statuses.js';

/** What the policy step knows about the delivery it judges. */
export interface PolicyContext {
  channel: Channel;
  userId: string;
  /** The pinned template version's category (`marketing`, `security`, ...). */
  category: string;
}

/** The policy step's answer. */
export type PolicyVerdict =
  /** Send, to the recipient as the user function knows it now (its current address). */
  | { action: 'send'; recipient: Recipient }
  /** Do not send: the notification ends `skipped` or `suppressed`, with `reason` as its status reason. */
  | { action: 'skip'; status: 'skipped' | 'suppressed'; reason: string };

/**
 * One rule of the policy: `undefined` when it has no objection, a `skip`
 * verdict when it has. Rules run in order after the recipient is read; the
 * first objection wins. Add a rule (quiet hours, frequency caps) by passing
 * it in {@link SendPolicyDeps.rules}.
 */
export type PolicyRule = (
  context: PolicyContext & { recipient: Recipient },
) => Promise<PolicyVerdict | undefined> | PolicyVerdict | undefined;

/** Port: whether one delivery may go out now, decided right before the provider call. */
export interface SendPolicy {
  check(context: PolicyContext): Promise<PolicyVerdict>;
}

/** Port: the gateway's suppression list (addresses that hard-bounced or complained). */
export interface SuppressionList {
  isSuppressed(address: string): Promise<boolean>;
}

export interface SendPolicyDeps {
  /** The cached user client (the recipient is re-read, not taken from the message). */
  users: { getRecipient(userId: string): Promise<Recipient | null> };
  /** Needed by channels that send to an address (email). */
  suppressions?: SuppressionList;
  /** Extra rules, after the built-in ones. */
  rules?: PolicyRule[];
}

/** Skip reasons: the words intake records, and the one only a later check can find (the user is gone). */
export const SKIP_REASON = {
  userGone: 'user_not_found',
  optedOut: 'opted_out',
  suppressed: 'address_suppressed',
} as const satisfies Record<string, IntakeReason | 'user_not_found'>;

const channelAndCategory: PolicyRule = ({ channel, category, recipient }) =>
  recipient.preferences[channel] === false || recipient.preferences.opt_out_categories.includes(category)
    ? { action: 'skip', status: 'skipped', reason: SKIP_REASON.optedOut }
    : undefined;

/**
 * The send-time policy: the same checks intake made, made again with what is
 * true now, because a scheduled, retried or redriven notification can go out
 * long after it was accepted. The user must still exist, the channel and the
 * template's category must still be allowed, and (email) the current address
 * must not be suppressed.
 */
export function createSendPolicy(deps: SendPolicyDeps): SendPolicy {
  const suppression: PolicyRule = async ({ channel, recipient }) => {
    if (channel !== 'email') return undefined;
    if (!deps.suppressions) throw new Error('the email channel needs a suppression list');
    return (await deps.suppressions.isSuppressed(recipient.email))
      ? { action: 'skip', status: 'suppressed', reason: SKIP_REASON.suppressed }
      : undefined;
  };
  const rules: PolicyRule[] = [channelAndCategory, suppression, ...(deps.rules ?? [])];
  return {
    async check(context) {
      const recipient = await deps.users.getRecipient(context.userId);
      if (!recipient) return { action: 'skip', status: 'skipped', reason: SKIP_REASON.userGone };
      for (const rule of rules) {
        const verdict = await rule({ ...context, recipient });
        if (verdict) return verdict;
      }
      return { action: 'send', recipient };
    },
  };
}

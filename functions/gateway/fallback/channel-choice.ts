import type { TemplateVersion } from '../../../shared/clients/template-client.js';
import type { Recipient } from '../../../shared/clients/user-client.js';
import type { Channel } from '../../../shared/schemas/channels.js';
import type { IntakeReason } from '../../../shared/schemas/notification-statuses.js';
import type { TriedChannel } from './fallback-plan.js';

/** What intake records about a notification it does not send, or `pending`. */
export interface ChannelPolicy {
  status: 'pending' | 'skipped' | 'suppressed';
  reason: IntakeReason | null;
}

/** The channel intake sends on, what it recorded about the ones before it, and the ones left to fall back to. */
export interface ChannelChoice {
  channel: Channel;
  policy: ChannelPolicy;
  tried: TriedChannel[];
  later: Channel[];
}

/** Preferences and category opt-outs skip a channel; the suppression list suppresses an email. */
function policyOf(channel: Channel, recipient: Recipient, template: TemplateVersion, suppressed: Set<string>): ChannelPolicy {
  const prefs = recipient.preferences;
  if (!prefs[channel] || prefs.opt_out_categories.includes(template.category)) {
    return { status: 'skipped', reason: 'opted_out' };
  }
  if (channel === 'email' && suppressed.has(recipient.email.toLowerCase())) {
    return { status: 'suppressed', reason: 'address_suppressed' };
  }
  return { status: 'pending', reason: null };
}

const TRIED_TEXT: Record<IntakeReason, string> = {
  opted_out: 'opted out',
  address_suppressed: 'address suppressed',
  quiet_hours: 'quiet hours',
  rate_limited: 'rate limited',
};

/**
 * Step "choose" of intake's decision: the first channel of the list that the
 * recipient's preferences (channel, category), the suppression list (email)
 * and, before a later channel, a push device (push) allow. The last channel
 * is taken whatever it meets, so a list of one decides as the string form
 * does (a push without a device fails at the worker, as it always did).
 */
export function chooseChannel(
  channels: Channel[],
  recipient: Recipient,
  templates: Map<Channel, TemplateVersion>,
  suppressed: Set<string>,
  at: Date,
): ChannelChoice {
  const tried: TriedChannel[] = [];
  for (const [i, channel] of channels.entries()) {
    const later = channels.slice(i + 1);
    const policy = policyOf(channel, recipient, templates.get(channel)!, suppressed);
    if (later.length === 0) return { channel, policy, tried, later };
    const objection =
      policy.reason !== null
        ? TRIED_TEXT[policy.reason]
        : channel === 'push' && recipient.push_device_count === 0
          ? 'no push device'
          : null;
    if (objection === null) return { channel, policy, tried, later };
    tried.push({ channel, reason: objection, at: at.toISOString() });
  }
  throw new Error('a channel list is never empty');
}

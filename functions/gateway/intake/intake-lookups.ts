import type { TemplateClient, TemplateVersion } from '../../../shared/clients/template-client.js';
import type { Recipient, UserClient } from '../../../shared/clients/user-client.js';
import { channelsOf } from '../../../shared/schemas/channel-list.js';
import type { Channel } from '../../../shared/schemas/channels.js';
import type { NotificationStore } from '../notification-store.js';
import type { Item } from './intake-call.js';

/** What deciding a call's notifications needs to know, looked up once per call. */
export interface Lookups {
  recipients: Map<string, Recipient | null>;
  templates: Map<string, TemplateVersion | null>;
  suppressed: Set<string>;
}

export const EMPTY_LOOKUPS: Lookups = { recipients: new Map(), templates: new Map(), suppressed: new Set() };

export interface IntakeLookupDeps {
  users: UserClient;
  templates: TemplateClient;
  store: Pick<NotificationStore, 'suppressedAmong'>;
}

/** The key of a template in {@link Lookups.templates}: channel, code and the recipient's language. */
export const templateKey = (channel: Channel, templateCode: string, recipient: Recipient) =>
  `${channel}\u0000${templateCode}\u0000${recipient.preferences.language}`;

async function lookupAll<K, V>(keys: K[], load: (key: K) => Promise<V>): Promise<Map<K, V>> {
  const values = await Promise.all(keys.map(load));
  return new Map(keys.map((key, i) => [key, values[i]!]));
}

/**
 * Step "look up": the items' recipients, then their templates (each once
 * per call, through the cached clients) beside the suppression list.
 */
export function createIntakeLookups(deps: IntakeLookupDeps) {
  return async function lookUp(items: Item[]): Promise<Lookups> {
    const recipients = await lookupAll([...new Set(items.map((i) => i.body.user_id))], (id) => deps.users.getRecipient(id));
    const templateRequests = new Map<string, [Item, Recipient, Channel]>();
    for (const item of items) {
      const recipient = recipients.get(item.body.user_id);
      if (!recipient) continue;
      // every channel of a list: a fallback sends the version pinned now
      for (const channel of channelsOf(item.body.notification_type)) {
        templateRequests.set(templateKey(channel, item.body.template_code, recipient), [item, recipient, channel]);
      }
    }
    const [templates, suppressed] = await Promise.all([
      lookupAll([...templateRequests.keys()], (key) => {
        const [item, recipient, channel] = templateRequests.get(key)!;
        return deps.templates.resolve(item.body.template_code, channel, recipient.preferences.language);
      }),
      deps.store.suppressedAmong([...recipients.values()].flatMap((r) => (r ? [r.email.toLowerCase()] : []))),
    ]);
    return { recipients, templates, suppressed };
  };
}

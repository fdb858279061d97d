import type { Cache } from '../../../shared/cache/cache.js';
import type { TemplateClient, TemplateVersion } from '../../../shared/clients/template-client.js';
import type { Recipient, UserClient } from '../../../shared/clients/user-client.js';
import { channelsOf } from '../../../shared/schemas/channel-list.js';
import type { Item } from '../intake/intake-call.js';
import { decide, type QuietHoursPolicy } from '../intake/intake-decision.js';
import { type Lookups, templateKey } from '../intake/intake-lookups.js';
import type { NotificationRequest } from '../intake/notification.schemas.js';
import type { NewEvent, NewNotification, NewOutboxRow, NotificationStore } from '../notification-store.js';
import type { FanoutPage, FanoutRow } from './fanout-store.js';

const MINUTE = 60_000;

/** A fan-out's one channel (its intake refuses a channel list). */
const channelOf = (item: Item) => channelsOf(item.body.notification_type)[0]!;

export interface FanoutPageDeps {
  users: Pick<UserClient, 'topicRecipients'>;
  templates: Pick<TemplateClient, 'resolve'>;
  store: Pick<NotificationStore, 'suppressedAmong'>;
  cache: Pick<Cache, 'limit'>;
  limits: { perUserPerMinute: number };
  /** Each subscriber's quiet hours, as intake applies them. */
  quietHours: QuietHoursPolicy;
  pageSize: number;
}

/**
 * The request id of a subscriber's notification: one per fan-out and user,
 * under the unique (API key, request id) index, so a page written again
 * creates nothing twice.
 */
export const subscriberRequestId = (fanoutId: string, userId: string) => `fanout:${fanoutId}:${userId}`;

/**
 * Read and decide the next page of a fan-out, as the intake decides a batch:
 * one page of subscribers with their recipient data from the user function,
 * their templates (once per language, cached), the suppression list, each
 * subscriber's rate limit (one round trip), then intake's own `decide` per
 * subscriber (preferences, quiet hours, suppression, variables). Null when the topic is gone.
 */
export function createFanoutPages(deps: FanoutPageDeps) {
  async function templatesFor(items: Item[], recipients: Map<string, Recipient>) {
    const wanted = new Map<string, [Item, Recipient]>();
    for (const item of items) {
      const recipient = recipients.get(item.body.user_id)!;
      wanted.set(templateKey(channelOf(item), item.body.template_code, recipient), [item, recipient]);
    }
    const keys = [...wanted.keys()];
    const found = await Promise.all(
      keys.map((key) => {
        const [item, recipient] = wanted.get(key)!;
        return deps.templates.resolve(item.body.template_code, channelOf(item), recipient.preferences.language);
      }),
    );
    return new Map<string, TemplateVersion | null>(keys.map((key, i) => [key, found[i]!]));
  }

  async function rateLimited(items: Item[]): Promise<boolean[]> {
    const verdicts = await deps.cache.limit(
      items.map((item) => ({
        rules: [{ key: `rl:user:${item.body.user_id}`, limit: deps.limits.perUserPerMinute, periodMs: MINUTE }],
      })),
    );
    return verdicts.map((v) => !v.allowed);
  }

  return async function nextPage(fanout: FanoutRow): Promise<FanoutPage | null> {
    const page = await deps.users.topicRecipients(fanout.topicKey, fanout.cursor, deps.pageSize);
    if (!page) return null;
    const request = fanout.request as NotificationRequest;
    const recipients = new Map(page.recipients.map((r) => [r.id, r]));
    const items: Item[] = page.recipients.map((recipient, index) => {
      const body = { ...request, user_id: recipient.id };
      return {
        index,
        body,
        requestId: subscriberRequestId(fanout.id, recipient.id),
        hash: fanout.requestHash,
        request: { body, correlationId: fanout.correlationId, traceparent: fanout.traceparent ?? undefined },
      };
    });
    const [templates, suppressed, limited] = await Promise.all([
      templatesFor(items, recipients),
      request.notification_type === 'email'
        ? deps.store.suppressedAmong(page.recipients.map((r) => r.email.toLowerCase()))
        : Promise.resolve(new Set<string>()),
      items.length > 0 ? rateLimited(items) : Promise.resolve([]),
    ]);
    const lookups: Lookups = { recipients, templates, suppressed };
    const rows: NewNotification[] = [];
    const outboxRows: NewOutboxRow[] = [];
    const events: NewEvent[] = [];
    let failed = 0;
    items.forEach((item, i) => {
      const decision = decide(fanout.apiKeyId, item, lookups, deps.quietHours, limited[i]);
      if (decision.row) rows.push(decision.row);
      else failed++;
      if (decision.outboxRow) outboxRows.push(decision.outboxRow);
      if (decision.events) events.push(...decision.events);
    });
    return {
      after: fanout.cursor,
      last: page.recipients.at(-1)?.id ?? null,
      done: page.next_after === null,
      rows,
      outboxRows,
      events,
      failed,
    };
  };
}

export type FanoutPages = ReturnType<typeof createFanoutPages>;

import { eq } from 'drizzle-orm';
import type { Db } from '../../../shared/db/create-db.js';
import type { WebhookEventType } from './webhook-events.js';
import { webhookEndpoints } from './webhook-schema.js';

/** How long a replica reuses what it read of the enabled endpoints and their events. */
export const SUBSCRIPTIONS_TTL_MS = 5_000;

export interface WebhookSubscriptionsOptions {
  ttlMs?: number;
  now?: () => number;
}

/**
 * Which enabled endpoints subscribe to which events, read in one query and
 * reused for {@link SUBSCRIPTIONS_TTL_MS}, for intake, where a query per call
 * would cost every notification: a key with no endpoint listening costs
 * nothing but a look at memory. The routes that change endpoints call
 * `changed()`, so this replica sees a change at once; another replica within
 * the TTL. The statement that writes deliveries checks each endpoint again
 * (still enabled, still subscribed), so only a new endpoint or subscription
 * can be late, never a removed one served.
 */
export function createWebhookSubscriptions(db: Db, options: WebhookSubscriptionsOptions = {}) {
  const ttlMs = options.ttlMs ?? SUBSCRIPTIONS_TTL_MS;
  const now = options.now ?? Date.now;
  let read: { at: number; endpoints: Promise<Array<{ id: string; events: string[] }>> } | undefined;

  function endpoints() {
    if (!read || now() - read.at >= ttlMs) {
      // a real promise: a drizzle query runs again at every await
      const loading = (async () =>
        db
          .select({ id: webhookEndpoints.id, events: webhookEndpoints.events })
          .from(webhookEndpoints)
          .where(eq(webhookEndpoints.enabled, true)))();
      const entry = { at: now(), endpoints: loading };
      read = entry;
      // a failed read is not reused
      loading.catch(() => {
        if (read === entry) read = undefined;
      });
    }
    return read.endpoints;
  }

  return {
    /** The ids of the enabled endpoints subscribed to each of `types` (types nobody listens to are absent). */
    async subscribedTo(types: readonly WebhookEventType[]): Promise<Map<WebhookEventType, string[]>> {
      const found = new Map<WebhookEventType, string[]>();
      for (const endpoint of await endpoints()) {
        for (const type of types) {
          if (!endpoint.events.includes(type)) continue;
          const ids = found.get(type) ?? [];
          ids.push(endpoint.id);
          found.set(type, ids);
        }
      }
      return found;
    },
    /** An endpoint was created, changed or deleted here: read again next time. */
    changed(): void {
      read = undefined;
    },
  };
}

export type WebhookSubscriptions = ReturnType<typeof createWebhookSubscriptions>;

import { z } from 'zod';
import type { SubscriberRow, SubscriptionChange, TopicWithCount } from './topic-store.js';

/** Response shapes of the topic routes: the mappers return them, the OpenAPI document shows them. */

const timestamp = z.iso.datetime({ offset: true });

export const topicResponse = z.object({
  topic_key: z.string(),
  name: z.string(),
  subscriber_count: z.int(),
  created_at: timestamp,
  updated_at: timestamp,
});

export const subscriberResponse = z.object({
  user_id: z.uuid(),
  external_id: z.string().nullable(),
  subscribed_at: timestamp,
});

const unknownIds = z
  .object({ user_ids: z.array(z.uuid()), external_ids: z.array(z.string()) })
  .describe('Ids in the call that are no user (nothing was done for them)');

export const subscribedResponse = z.object({
  topic_key: z.string(),
  added: z.int(),
  already_subscribed: z.int(),
  unknown: unknownIds,
});

export const unsubscribedResponse = z.object({
  topic_key: z.string(),
  removed: z.int(),
  not_subscribed: z.int(),
  unknown: unknownIds,
});

export function topicJson(t: TopicWithCount): z.infer<typeof topicResponse> {
  return {
    topic_key: t.topicKey,
    name: t.name,
    subscriber_count: t.subscriberCount,
    created_at: t.createdAt.toISOString(),
    updated_at: t.updatedAt.toISOString(),
  };
}

export function subscriberJson(s: SubscriberRow): z.infer<typeof subscriberResponse> {
  return { user_id: s.userId, external_id: s.externalId, subscribed_at: s.subscribedAt.toISOString() };
}

export function subscribedJson(topicKey: string, change: SubscriptionChange): z.infer<typeof subscribedResponse> {
  return { topic_key: topicKey, added: change.changed, already_subscribed: change.unchanged, unknown: change.unknown };
}

export function unsubscribedJson(topicKey: string, change: SubscriptionChange): z.infer<typeof unsubscribedResponse> {
  return { topic_key: topicKey, removed: change.changed, not_subscribed: change.unchanged, unknown: change.unknown };
}

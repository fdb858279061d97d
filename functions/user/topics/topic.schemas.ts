import { z } from 'zod';
import { cursorQuery } from '../../../shared/http/cursor.js';
import { topicKey } from '../../../shared/schemas/topic-key.js';
import { externalId } from '../users/user.schemas.js';

/** Request shapes of the topic routes (snake_case, as on the wire). */

export { topicKey };

export const topicKeyParam = z.object({ topic_key: topicKey });
export const topicSubscriberParams = topicKeyParam.extend({ user_id: z.uuid('must be a uuid') });

export const createTopicBody = z.object({ topic_key: topicKey, name: z.string().trim().min(1).max(200) });
export const updateTopicBody = z.object({ name: z.string().trim().min(1).max(200) });

/** Most subscribers one call adds or removes. */
export const MAX_SUBSCRIBERS_PER_CALL = 1000;

/** Subscribers named by our user id or by the customer's external id (both may be given). */
export const subscribersBody = z
  .object({
    user_ids: z.array(z.uuid('must be a uuid')).optional(),
    external_ids: z.array(externalId).optional(),
  })
  .refine((b) => (b.user_ids?.length ?? 0) + (b.external_ids?.length ?? 0) > 0, 'give user_ids or external_ids')
  .refine(
    (b) => (b.user_ids?.length ?? 0) + (b.external_ids?.length ?? 0) <= MAX_SUBSCRIBERS_PER_CALL,
    `at most ${MAX_SUBSCRIBERS_PER_CALL} subscribers per call`,
  );
export type SubscribersBody = z.output<typeof subscribersBody>;

export const subscribersQuery = cursorQuery;

/** `/internal/v1/topics/:topic_key/recipients?after=&limit=`: one page of a fan-out. */
export const recipientsPageQuery = z.object({
  after: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
});

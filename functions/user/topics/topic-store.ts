import { and, asc, count, desc, eq, gt, sql } from 'drizzle-orm';
import { rowsOf } from '../../../shared/db/bulk-insert.js';
import type { Db } from '../../../shared/db/create-db.js';
import { isUniqueViolation } from '../../../shared/db/db-errors.js';
import { ConflictError } from '../../../shared/errors.js';
import { topicSubscribers, topics, users } from '../schema.js';
import type { SubscribersBody } from './topic.schemas.js';

export type TopicRow = typeof topics.$inferSelect;
export type TopicWithCount = TopicRow & { subscriberCount: number };

export interface SubscriberRow {
  userId: string;
  externalId: string | null;
  subscribedAt: Date;
}

/** What a subscribe (or unsubscribe) call did: ids it changed, ids already so, ids of no user. */
export interface SubscriptionChange {
  changed: number;
  unchanged: number;
  unknown: { user_ids: string[]; external_ids: string[] };
}

const json = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;

/** Data access for topics and their subscribers (tables of the user function). */
export function createTopicStore(db: Db) {
  /** The user ids the body names, and the ids it names that are no user. */
  async function resolve(body: SubscribersBody): Promise<{ ids: string[]; unknown: SubscriptionChange['unknown'] }> {
    const userIds = [...new Set(body.user_ids ?? [])];
    const externalIds = [...new Set(body.external_ids ?? [])];
    const result = await db.execute(sql`
      select id, external_id from users where id in (select value::uuid from jsonb_array_elements_text(${json(userIds)}))
      union
      select id, external_id from users where external_id in (select jsonb_array_elements_text(${json(externalIds)}))`);
    const found = rowsOf<{ id: string; external_id: string | null }>(result);
    const ids = new Set(found.map((r) => r.id));
    const externals = new Set(found.flatMap((r) => (r.external_id ? [r.external_id] : [])));
    return {
      ids: [...ids],
      unknown: { user_ids: userIds.filter((id) => !ids.has(id)), external_ids: externalIds.filter((e) => !externals.has(e)) },
    };
  }

  const withCount = async (row: TopicRow | undefined): Promise<TopicWithCount | null> => {
    if (!row) return null;
    const [n] = await db.select({ n: count() }).from(topicSubscribers).where(eq(topicSubscribers.topicId, row.id));
    return { ...row, subscriberCount: n!.n };
  };

  return {
    async create(topicKey: string, name: string): Promise<TopicWithCount> {
      try {
        const [row] = await db.insert(topics).values({ topicKey, name }).returning();
        return { ...row!, subscriberCount: 0 };
      } catch (err) {
        if (isUniqueViolation(err)) throw new ConflictError(`Topic ${topicKey} already exists`);
        throw err;
      }
    },

    async find(topicKey: string): Promise<TopicWithCount | null> {
      const [row] = await db.select().from(topics).where(eq(topics.topicKey, topicKey));
      return withCount(row);
    },

    async list(offset: number, limit: number): Promise<{ rows: TopicWithCount[]; total: number }> {
      const rows = await db
        .select({
          topic: topics,
          subscriberCount: sql<number>`(select count(*)::int from ${topicSubscribers} s where s.topic_id = ${topics.id})`,
        })
        .from(topics)
        .orderBy(desc(topics.createdAt), desc(topics.id))
        .offset(offset)
        .limit(limit);
      const [total] = await db.select({ n: count() }).from(topics);
      return { rows: rows.map((r) => ({ ...r.topic, subscriberCount: Number(r.subscriberCount) })), total: total!.n };
    },

    async rename(topicKey: string, name: string): Promise<TopicWithCount | null> {
      const [row] = await db.update(topics).set({ name, updatedAt: new Date() }).where(eq(topics.topicKey, topicKey)).returning();
      return withCount(row);
    },

    async remove(topicKey: string): Promise<boolean> {
      const deleted = await db.delete(topics).where(eq(topics.topicKey, topicKey)).returning({ id: topics.id });
      return deleted.length > 0;
    },

    /** Subscribe the users the body names; already subscribed ones are left as they are. */
    async subscribe(topic: TopicRow, body: SubscribersBody): Promise<SubscriptionChange> {
      const { ids, unknown } = await resolve(body);
      if (ids.length === 0) return { changed: 0, unchanged: 0, unknown };
      // a user deleted between the lookup and here is skipped, not a foreign-key error
      const result = await db.execute(sql`
        insert into ${topicSubscribers} (topic_id, user_id)
        select ${topic.id}::uuid, u.id from users u
        where u.id in (select value::uuid from jsonb_array_elements_text(${json(ids)}))
        on conflict do nothing
        returning user_id`);
      const added = rowsOf(result).length;
      return { changed: added, unchanged: ids.length - added, unknown };
    },

    async unsubscribe(topic: TopicRow, body: SubscribersBody): Promise<SubscriptionChange> {
      const { ids, unknown } = await resolve(body);
      if (ids.length === 0) return { changed: 0, unchanged: 0, unknown };
      const result = await db.execute(sql`
        delete from ${topicSubscribers}
        where topic_id = ${topic.id}::uuid and user_id in (select value::uuid from jsonb_array_elements_text(${json(ids)}))
        returning user_id`);
      const removed = rowsOf(result).length;
      return { changed: removed, unchanged: ids.length - removed, unknown };
    },

    /** One page of subscribers in user id order, after `afterUserId`; `limit + 1` are read to tell whether more follow. */
    async subscribers(topic: TopicRow, afterUserId: string | undefined, limit: number): Promise<SubscriberRow[]> {
      return db
        .select({ userId: topicSubscribers.userId, externalId: users.externalId, subscribedAt: topicSubscribers.createdAt })
        .from(topicSubscribers)
        .innerJoin(users, eq(users.id, topicSubscribers.userId))
        .where(and(eq(topicSubscribers.topicId, topic.id), afterUserId ? gt(topicSubscribers.userId, afterUserId) : undefined))
        .orderBy(asc(topicSubscribers.userId))
        .limit(limit);
    },
  };
}

export type TopicStore = ReturnType<typeof createTopicStore>;

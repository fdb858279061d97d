import { and, count, desc, eq, ilike, or, type SQL, sql } from 'drizzle-orm';
import { rowsOf } from '../../../shared/db/bulk-insert.js';
import type { Db } from '../../../shared/db/create-db.js';
import type { Channel } from '../../../shared/schemas/channels.js';
import type { NotificationRow } from '../notification-store.js';
import { notifications } from '../schema.js';

/** Notifications started, delivered and failed in one time bucket. */
export interface ThroughputBucket {
  /** Start of the bucket. */
  at: Date;
  created: number;
  delivered: number;
  failed: number;
}

export interface SearchFilter {
  /** Matches the id or user id (a uuid), or a request id or template code (substring, any case). */
  q?: string | undefined;
  status?: string | undefined;
  channel?: Channel | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `%`, `_` and `\` in a search term match themselves. */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (ch) => `\\${ch}`);

/**
 * The operator's reads over the gateway's tables (the dashboard): throughput
 * per time bucket and notification search. Computed from Postgres, so every
 * gateway replica answers the same.
 */
export function createAdminStore(db: Db) {
  return {
    /**
     * Per bucket of `bucketSeconds` since `since`: notifications created, and
     * notifications whose `delivered` / `failed` report was recorded (each
     * notification once per bucket, however many devices reported). Buckets
     * with nothing in them are there, with zeros.
     */
    async throughput(since: Date, until: Date, bucketSeconds: number): Promise<ThroughputBucket[]> {
      const bucketMs = bucketSeconds * 1000;
      const start = Math.floor(since.getTime() / bucketMs) * bucketMs;
      const from = new Date(start).toISOString();
      const width = sql.raw(`interval '${Math.trunc(bucketSeconds)} seconds'`);
      const [created, finished] = await Promise.all([
        db.execute(sql`
          select date_bin(${width}, created_at, timestamptz 'epoch') as at, count(*)::int as n
          from notifications where created_at >= ${from}::timestamptz group by 1`),
        db.execute(sql`
          select date_bin(${width}, recorded_at, timestamptz 'epoch') as at, status, count(distinct notification_id)::int as n
          from notification_events
          where recorded_at >= ${from}::timestamptz and status in ('delivered', 'failed') group by 1, 2`),
      ]);
      const buckets = new Map<number, ThroughputBucket>();
      for (let t = start; t <= until.getTime(); t += bucketMs)
        buckets.set(t, { at: new Date(t), created: 0, delivered: 0, failed: 0 });
      const bucketOf = (at: unknown) => buckets.get(new Date(at as string | Date).getTime());
      for (const row of rowsOf<{ at: string | Date; n: number | string }>(created)) {
        const bucket = bucketOf(row.at);
        if (bucket) bucket.created = Number(row.n);
      }
      for (const row of rowsOf<{ at: string | Date; status: 'delivered' | 'failed'; n: number | string }>(finished)) {
        const bucket = bucketOf(row.at);
        if (bucket) bucket[row.status] = Number(row.n);
      }
      return [...buckets.values()];
    },

    /** Newest first. A uuid matches id or user id exactly (indexed); other text a request id or template code. */
    async search(filter: SearchFilter, offset: number, limit: number): Promise<{ rows: NotificationRow[]; total: number }> {
      const q = filter.q?.trim();
      let match: SQL | undefined;
      if (q && UUID.test(q)) match = or(eq(notifications.id, q), eq(notifications.userId, q));
      else if (q) {
        const pattern = `%${likeLiteral(q)}%`;
        match = or(ilike(notifications.requestId, pattern), ilike(notifications.templateCode, pattern));
      }
      const where = and(
        match,
        filter.status ? eq(notifications.status, filter.status) : undefined,
        filter.channel ? eq(notifications.channel, filter.channel) : undefined,
      );
      const [rows, [total]] = await Promise.all([
        db
          .select()
          .from(notifications)
          .where(where)
          .orderBy(desc(notifications.createdAt), desc(notifications.id))
          .offset(offset)
          .limit(limit),
        db.select({ n: count() }).from(notifications).where(where),
      ]);
      return { rows, total: total!.n };
    },
  };
}

export type AdminStore = ReturnType<typeof createAdminStore>;

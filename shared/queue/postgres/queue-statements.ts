import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../../db/bulk-insert.js';
import type { Db } from '../../db/create-db.js';
import { inList } from '../../db/in-list.js';
import type { RoutingKey } from '../../messages.js';
import { queueMessages as q } from './queue-schema.js';

/** A message as the adapter writes it. */
export interface OutgoingRow {
  body: string;
  headers: Record<string, string>;
  priority: number;
}

/** A message a consumer took. */
export interface TakenRow {
  id: string;
  body: string;
  headers: Record<string, string>;
  attempt: number;
}

const seconds = (ms: number) => sql`make_interval(secs => ${Math.max(0, ms) / 1000})`;

/**
 * The Postgres queue's statements, each one round trip. `db` may be a
 * transaction: `insert` is what a publish inside the caller's transaction runs.
 * Times are the database's (`now()`), so processes with skewed clocks agree.
 */
export const queueStatements = {
  async insert(db: Db, key: RoutingKey, rows: OutgoingRow[], delayMs: number): Promise<void> {
    if (rows.length === 0) return;
    const json = JSON.stringify(rows.map((r) => ({ id: randomUUID(), ...r })));
    await db.execute(sql`
      insert into ${q} (id, routing_key, body, headers, priority, visible_at)
      select r.id, ${key}, r.body, r.headers, r.priority, now() + ${seconds(delayMs)}
      from jsonb_to_recordset(${json}::jsonb) as r(id uuid, body text, headers jsonb, priority smallint)`);
  },

  /**
   * Take up to `limit` visible messages of `key`, highest priority first,
   * hidden for `visibilityMs` under `lease`. Rows already taken
   * `deliveryLimit` times without a settlement (their consumer died on them
   * each time) are dead-lettered in the same statement instead: their ids
   * come back as `poisoned`.
   */
  async take(
    db: Db,
    key: RoutingKey,
    limit: number,
    options: { lease: string; visibilityMs: number; deliveryLimit: number; poisonReason: string },
  ): Promise<{ taken: TakenRow[]; poisoned: string[] }> {
    const result = await db.execute(sql`
      with picked as (
        select id, deliveries from ${q}
        where ${q.routingKey} = ${key} and ${q.deadAt} is null and ${q.visibleAt} <= now()
        order by ${q.priority} desc, ${q.visibleAt}, ${q.id}
        limit ${limit}
        for update skip locked
      ), poisoned as (
        update ${q} set dead_at = now(), dead_reason = ${options.poisonReason}, lease = null
        from picked where ${q.id} = picked.id and picked.deliveries >= ${options.deliveryLimit}
        returning ${q.id}
      ), taken as (
        update ${q} set visible_at = now() + ${seconds(options.visibilityMs)}, deliveries = ${q.deliveries} + 1,
          lease = ${options.lease}::uuid
        from picked where ${q.id} = picked.id and picked.deliveries < ${options.deliveryLimit}
        returning ${q.id}, ${q.body}, ${q.headers}, ${q.attempt}, ${q.priority}
      )
      select true as taken, id, body, headers, attempt, priority from taken
      union all select false, id, null, null, null, null from poisoned`);
    const rows = rowsOf<TakenRow & { taken: boolean; priority: number }>(result);
    return {
      taken: rows.filter((r) => r.taken).sort((a, b) => b.priority - a.priority),
      poisoned: rows.filter((r) => !r.taken).map((r) => r.id),
    };
  },

  /** Keep messages still being handled hidden from other consumers. */
  async extend(db: Db, ids: string[], lease: string, visibilityMs: number): Promise<void> {
    if (ids.length === 0) return;
    await db.execute(sql`
      update ${q} set visible_at = now() + ${seconds(visibilityMs)}
      where ${inList(q.id, ids)} and ${q.lease} = ${lease}::uuid`);
  },

  async ack(db: Db, id: string, lease: string): Promise<void> {
    await db.execute(sql`delete from ${q} where ${q.id} = ${id}::uuid and ${q.lease} = ${lease}::uuid`);
  },

  async retry(db: Db, id: string, lease: string, nextAttempt: number, delayMs: number): Promise<void> {
    await db.execute(sql`
      update ${q} set attempt = ${nextAttempt}, deliveries = 0, lease = null, visible_at = now() + ${seconds(delayMs)}
      where ${q.id} = ${id}::uuid and ${q.lease} = ${lease}::uuid`);
  },

  async deadLetter(db: Db, id: string, lease: string, reason: string): Promise<boolean> {
    const result = await db.execute(sql`
      update ${q} set dead_at = now(), dead_reason = ${reason}, lease = null
      where ${q.id} = ${id}::uuid and ${q.lease} = ${lease}::uuid
      returning 1`);
    return rowsOf(result).length > 0;
  },

  /** Waiting messages per key (visible now) and dead letters of every key. */
  async depths(db: Db): Promise<{ ready: Map<string, number>; dead: number }> {
    const result = await db.execute(sql`
      select ${q.routingKey} as key,
        count(*) filter (where ${q.deadAt} is null and ${q.visibleAt} <= now())::int as ready,
        count(*) filter (where ${q.deadAt} is not null)::int as dead
      from ${q} group by ${q.routingKey}`);
    const rows = rowsOf<{ key: string; ready: number; dead: number }>(result);
    return { ready: new Map(rows.map((r) => [r.key, r.ready])), dead: rows.reduce((sum, r) => sum + r.dead, 0) };
  },
};

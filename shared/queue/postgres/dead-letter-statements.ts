import { sql } from 'drizzle-orm';
import { rowsOf } from '../../db/bulk-insert.js';
import type { Db } from '../../db/create-db.js';
import { queueMessages as q } from './queue-schema.js';

export interface DeadRow {
  id: string;
  routing_key: string;
  body: string;
  headers: Record<string, string>;
  attempt: number;
  dead_at: string | Date;
  dead_reason: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Dead letters are rows of the queue table with `dead_at` set: listing reads
 * them and holds nothing, so a concurrent redrive always finds what a list
 * showed.
 */
export const deadLetterStatements = {
  async list(db: Db, limit: number): Promise<DeadRow[]> {
    const result = await db.execute(sql`
      select id, routing_key, body, headers, attempt, dead_at, dead_reason from ${q}
      where ${q.deadAt} is not null order by ${q.deadAt}, ${q.id} limit ${limit}`);
    return rowsOf<DeadRow>(result);
  },

  /** Back to their keys as fresh first attempts; the keys they went back to. */
  async redrive(db: Db, id: string | 'all'): Promise<string[]> {
    if (id !== 'all' && !UUID.test(id)) return [];
    const only = id === 'all' ? sql`` : sql`and ${q.id} = ${id}::uuid`;
    const result = await db.execute(sql`
      update ${q} set dead_at = null, dead_reason = null, attempt = 1, deliveries = 0, lease = null, visible_at = now()
      where ${q.deadAt} is not null ${only}
      returning routing_key`);
    return rowsOf<{ routing_key: string }>(result).map((r) => r.routing_key);
  },

  async purge(db: Db): Promise<number> {
    const result = await db.execute(sql`delete from ${q} where ${q.deadAt} is not null returning 1`);
    return rowsOf(result).length;
  },
};

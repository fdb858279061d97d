import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/bulk-insert.js';
import type { Db } from '../db/create-db.js';
import { type ClaimResult, DeliveryInProgressError, type DeliveryLedger, type LedgerKey } from './delivery-ledger.js';
import { deliveryRecords as t } from './delivery-schema.js';

const interval = (ms: number) => sql`make_interval(secs => ${ms / 1000})`;
const keyOf = (key: LedgerKey) => sql`${key.channel}, ${key.notificationId}::uuid, ${key.part ?? ''}`;
const where = (key: LedgerKey) =>
  sql`${t.channel} = ${key.channel} and ${t.notificationId} = ${key.notificationId}::uuid and ${t.part} = ${key.part ?? ''}`;

/**
 * {@link DeliveryLedger} on the `delivery_records` table (Postgres, or PGlite
 * under `npm start`). Each call is one statement, so one round trip: a claim
 * takes the row over only when it is free (absent, expired, or its lease ran
 * out) and otherwise reads what holds it, in the same statement.
 */
export function createPostgresLedger(db: Db): DeliveryLedger {
  return {
    async claim<R>(key: LedgerKey, holder: string, leaseMs: number): Promise<ClaimResult<R>> {
      const result = await db.execute(sql`
        with taken as (
          insert into ${t} (channel, notification_id, part, state, holder, lease_until, result, expires_at)
          values (${keyOf(key)}, 'in_progress', ${holder}, now() + ${interval(leaseMs)}, null, now() + ${interval(leaseMs)})
          on conflict (channel, notification_id, part) do update
            set state = 'in_progress', holder = excluded.holder, lease_until = excluded.lease_until,
                result = null, expires_at = excluded.expires_at
            where ${t.expiresAt} <= now() or (${t.state} = 'in_progress' and ${t.leaseUntil} <= now())
          returning 1
        )
        select (select count(*) from taken)::int as taken, ${t.state} as state, ${t.result} as result,
               greatest(0, extract(epoch from (${t.leaseUntil} - now())) * 1000)::int as lease_left_ms
        from (select 1) as one left join ${t} on ${where(key)}`);
      const [row] = rowsOf<{ taken: number; state: string | null; result: R; lease_left_ms: number | null }>(result);
      if (row!.taken > 0) return { state: 'claimed' };
      if (row!.state === 'completed') return { state: 'completed', result: row!.result };
      throw new DeliveryInProgressError(key, row!.lease_left_ms ?? leaseMs);
    },

    async complete(key, value, ttlMs) {
      await db.execute(sql`
        insert into ${t} (channel, notification_id, part, state, holder, lease_until, result, expires_at)
        values (${keyOf(key)}, 'completed', null, null, ${JSON.stringify(value ?? null)}::jsonb, now() + ${interval(ttlMs)})
        on conflict (channel, notification_id, part) do update
          set state = 'completed', holder = null, lease_until = null, result = excluded.result, expires_at = excluded.expires_at`);
    },

    async completeOnce(key, value, ttlMs) {
      const result = await db.execute(sql`
        insert into ${t} (channel, notification_id, part, state, holder, lease_until, result, expires_at)
        values (${keyOf(key)}, 'completed', null, null, ${JSON.stringify(value ?? null)}::jsonb, now() + ${interval(ttlMs)})
        on conflict (channel, notification_id, part) do update
          set state = 'completed', holder = null, lease_until = null, result = excluded.result, expires_at = excluded.expires_at
          where ${t.expiresAt} <= now()
        returning 1 as stored`);
      return rowsOf(result).length > 0;
    },

    async release(key, holder) {
      await db.execute(sql`delete from ${t} where ${where(key)} and ${t.state} = 'in_progress' and ${t.holder} = ${holder}`);
    },

    async completedParts<R>(channel: string, notificationId: string) {
      const result = await db.execute(sql`
        select part, result from ${t}
        where ${t.channel} = ${channel} and ${t.notificationId} = ${notificationId}::uuid and ${t.part} <> ''
          and ${t.state} = 'completed' and ${t.expiresAt} > now()`);
      return new Map(rowsOf<{ part: string; result: R }>(result).map((r) => [r.part, r.result]));
    },

    async sweep() {
      const result = await db.execute(sql`delete from ${t} where ${t.expiresAt} <= now() returning 1`);
      return rowsOf(result).length;
    },
  };
}

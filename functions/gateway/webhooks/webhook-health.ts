import { and, count, eq, sql, sum } from 'drizzle-orm';
import type { Db } from '../../../shared/db/create-db.js';
import { inList } from '../../../shared/db/in-list.js';
import { webhookDeliveries, webhookEndpointStats } from './webhook-schema.js';

/** The success rate covers the hour under way and the 23 before it. */
export const HEALTH_WINDOW_HOURS = 24;

/** What the delivery log says of an endpoint (its last error and state are on its row). */
export interface EndpointHealth {
  /** Attempts in the window (a delivery postponed by an open circuit is none). */
  attempts: number;
  /** Of those, answered 2xx. */
  delivered: number;
  /** Deliveries still to make: first attempts on their way, retries waiting, postponed by the circuit. */
  backlog: number;
}

const NONE: EndpointHealth = { attempts: 0, delivered: 0, backlog: 0 };

/**
 * The health of these endpoints, in two indexed queries whatever their
 * number: the hourly counters of the window (`webhook_endpoint_stats`, at
 * most 24 rows each) and the pending deliveries (a partial index holds only
 * those). On `db`, so a transaction can read it too.
 */
export async function endpointHealthIn(db: Db, ids: string[], now: Date = new Date()): Promise<Map<string, EndpointHealth>> {
  const health = new Map(ids.map((id) => [id, { ...NONE }]));
  if (ids.length === 0) return health;
  const since = sql`date_trunc('hour', ${now.toISOString()}::timestamptz) - make_interval(hours => ${HEALTH_WINDOW_HOURS - 1})`;
  const [stats, pending] = await Promise.all([
    db
      .select({
        id: webhookEndpointStats.endpointId,
        attempts: sum(webhookEndpointStats.attempts).mapWith(Number),
        delivered: sum(webhookEndpointStats.delivered).mapWith(Number),
      })
      .from(webhookEndpointStats)
      .where(and(inList(webhookEndpointStats.endpointId, ids), sql`${webhookEndpointStats.hour} >= ${since}`))
      .groupBy(webhookEndpointStats.endpointId),
    db
      .select({ id: webhookDeliveries.endpointId, n: count() })
      .from(webhookDeliveries)
      .where(and(inList(webhookDeliveries.endpointId, ids), eq(webhookDeliveries.status, 'pending')))
      .groupBy(webhookDeliveries.endpointId),
  ]);
  for (const row of stats) Object.assign(health.get(row.id)!, { attempts: row.attempts, delivered: row.delivered });
  for (const row of pending) health.get(row.id)!.backlog = row.n;
  return health;
}

/** Hourly counters older than this are deleted as the endpoint's next attempts are counted. */
const KEPT_HOURS = 2 * HEALTH_WINDOW_HOURS;

/**
 * The hourly counters' upsert for one attempt, in the transaction that
 * records it; the same statement drops the endpoint's counters past
 * {@link KEPT_HOURS} (found on the primary key; none, mostly), so the table
 * stays at about 48 rows per endpoint.
 */
export function countAttemptSql(endpointId: string, at: Date, delivered: boolean) {
  const one = delivered ? 1 : 0;
  const hour = sql`date_trunc('hour', ${at.toISOString()}::timestamptz)`;
  return sql`with pruned as (
      delete from ${webhookEndpointStats}
      where endpoint_id = ${endpointId}::uuid and hour < ${hour} - make_interval(hours => ${KEPT_HOURS})
    )
    insert into ${webhookEndpointStats} (endpoint_id, hour, attempts, delivered)
    values (${endpointId}::uuid, ${hour}, 1, ${one})
    on conflict (endpoint_id, hour) do update set attempts = ${webhookEndpointStats}.attempts + 1,
      delivered = ${webhookEndpointStats}.delivered + excluded.delivered`;
}

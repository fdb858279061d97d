import { and, eq, ne, sql } from 'drizzle-orm';
import { bulkInsert } from '../../../shared/db/bulk-insert.js';
import type { Db } from '../../../shared/db/create-db.js';
import { outbox } from '../schema.js';
import { eventRows } from './webhook-event-rows.js';
import { endpointHealthIn } from './webhook-health.js';
import { type EndpointRow, webhookDeliveries, webhookEndpoints } from './webhook-schema.js';
import { endpointJson } from './webhook-wire.js';

const TYPE = 'webhook_endpoint.disabled' as const;

/**
 * Raise `webhook_endpoint.disabled` for an endpoint just disabled, inside
 * the transaction that disabled it: a delivery and an outbox row for each
 * other enabled endpoint subscribed to the event. The payload's `data` is
 * the disabled endpoint as `GET /api/v1/webhooks/:id` shows it (its health
 * and last error included). Answers how many endpoints it went to (0: nobody
 * listens; the warning in the log is then the only trace besides the row).
 */
export async function announceDisabledIn(tx: Db, disabled: EndpointRow): Promise<number> {
  const listeners = await tx
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(
      and(
        eq(webhookEndpoints.enabled, true),
        ne(webhookEndpoints.id, disabled.id),
        sql`${webhookEndpoints.events} @> ${JSON.stringify([TYPE])}::jsonb`,
      ),
    );
  if (listeners.length === 0) return 0;
  const health = (await endpointHealthIn(tx, [disabled.id])).get(disabled.id)!;
  const payload = { type: TYPE, timestamp: disabled.updatedAt.toISOString(), data: endpointJson(disabled, health) };
  const { deliveries, messages } = eventRows([
    { event: { type: TYPE, notificationId: null, payload }, endpointIds: listeners.map((l) => l.id) },
  ]);
  await bulkInsert(tx, webhookDeliveries, deliveries);
  await bulkInsert(tx, outbox, messages);
  return listeners.length;
}

import { and, eq, sql } from 'drizzle-orm';
import { bulkInsert } from '../../../shared/db/bulk-insert.js';
import type { Db } from '../../../shared/db/create-db.js';
import { outbox } from '../schema.js';
import { runJson } from '../workflows/runs/run-wire.js';
import type { RunRow } from '../workflows/workflow-schema.js';
import { eventRows } from './webhook-event-rows.js';
import { webhookDeliveries, webhookEndpoints } from './webhook-schema.js';

const TYPE = 'workflow_run.completed' as const;

/**
 * Raise `workflow_run.completed` for a run that just finished, inside the
 * transaction that finished it: a delivery and an outbox row for each
 * enabled endpoint subscribed. A run ends `completed`, `failed` (its
 * version is gone) or `dropped` (a throttle); `data` is the run as
 * `GET /api/v1/workflow-runs/:id` shows it, without its steps, so `status`
 * says which. Runs that joined a digest (`merged`) raise nothing (the
 * collecting run does), nor do cancelled ones (the caller cancelled them).
 * One query on the small endpoints table per finished run.
 */
export async function announceRunFinishedIn(tx: Db, run: RunRow): Promise<void> {
  if (run.state !== 'completed' && run.state !== 'failed' && run.state !== 'dropped') return;
  const listeners = await tx
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.enabled, true), sql`${webhookEndpoints.events} @> ${JSON.stringify([TYPE])}::jsonb`));
  if (listeners.length === 0) return;
  const payload = { type: TYPE, timestamp: (run.completedAt ?? new Date()).toISOString(), data: runJson(run) };
  const { deliveries, messages } = eventRows([
    { event: { type: TYPE, notificationId: null, payload }, endpointIds: listeners.map((l) => l.id) },
  ]);
  await bulkInsert(tx, webhookDeliveries, deliveries);
  await bulkInsert(tx, outbox, messages);
}

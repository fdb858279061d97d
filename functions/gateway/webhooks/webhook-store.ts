import { and, count, desc, eq, lte, sql } from 'drizzle-orm';
import type { Db } from '../../../shared/db/create-db.js';
import { announceDisabledIn } from './endpoint-disabled-event.js';
import { countAttemptSql, type EndpointHealth, endpointHealthIn } from './webhook-health.js';
import { type DeliveryRow, type EndpointRow, webhookDeliveries, webhookEndpoints } from './webhook-schema.js';
import { ROTATION_OVERLAP_MS } from './webhook-secrets.js';

export type { DeliveryRow, EndpointRow } from './webhook-schema.js';

/** What a PATCH may change. */
export interface EndpointChanges {
  url?: string | undefined;
  description?: string | null | undefined;
  events?: string[] | undefined;
  enabled?: boolean | undefined;
}

/** One attempt's result, as the delivery log keeps it. */
export interface AttemptResult {
  delivered: boolean;
  /** This was the last attempt the policy allows: the delivery is given up (dead-lettered). */
  final: boolean;
  responseCode: number | null;
  latencyMs: number;
  error: string | null;
  at: Date;
}

/** Data access for `webhook_endpoints` and `webhook_deliveries` (the gateway's tables). */
export function createWebhookStore(db: Db) {
  return {
    async createEndpoint(input: { url: string; description: string | null; events: string[]; secret: string }) {
      const [row] = await db.insert(webhookEndpoints).values(input).returning();
      return row!;
    },

    async findEndpoint(id: string): Promise<EndpointRow | null> {
      const [row] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
      return row ?? null;
    },

    async listEndpoints(offset: number, limit: number): Promise<{ rows: EndpointRow[]; total: number }> {
      const rows = await db
        .select()
        .from(webhookEndpoints)
        .orderBy(desc(webhookEndpoints.createdAt), desc(webhookEndpoints.id))
        .offset(offset)
        .limit(limit);
      const [total] = await db.select({ n: count() }).from(webhookEndpoints);
      return { rows, total: total!.n };
    },

    /** Re-enabling an endpoint forgets how long it had been failing. */
    async updateEndpoint(id: string, changes: EndpointChanges): Promise<EndpointRow | null> {
      const set: Partial<typeof webhookEndpoints.$inferInsert> = { updatedAt: new Date() };
      if (changes.url !== undefined) set.url = changes.url;
      if (changes.description !== undefined) set.description = changes.description;
      if (changes.events !== undefined) set.events = changes.events;
      if (changes.enabled !== undefined) {
        set.enabled = changes.enabled;
        set.disabledReason = changes.enabled ? null : 'disabled by request';
        if (changes.enabled) set.failingSince = null;
      }
      const [row] = await db.update(webhookEndpoints).set(set).where(eq(webhookEndpoints.id, id)).returning();
      return row ?? null;
    },

    /** The health of these endpoints (success rate, backlog), by id; two queries whatever their number. */
    health(rows: EndpointRow[]): Promise<Map<string, EndpointHealth>> {
      return endpointHealthIn(
        db,
        rows.map((r) => r.id),
      );
    },

    async deleteEndpoint(id: string): Promise<boolean> {
      const removed = await db.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id)).returning({ id: webhookEndpoints.id });
      return removed.length > 0;
    },

    /** The new secret signs from now on; the old one too, for {@link ROTATION_OVERLAP_MS}. */
    async rotateSecret(id: string, secret: string, now: Date = new Date()): Promise<EndpointRow | null> {
      const [row] = await db
        .update(webhookEndpoints)
        .set({
          previousSecret: sql`${webhookEndpoints.secret}`,
          previousSecretExpiresAt: new Date(now.getTime() + ROTATION_OVERLAP_MS),
          secret,
          updatedAt: now,
        })
        .where(eq(webhookEndpoints.id, id))
        .returning();
      return row ?? null;
    },

    async listDeliveries(endpointId: string, offset: number, limit: number): Promise<{ rows: DeliveryRow[]; total: number }> {
      const where = eq(webhookDeliveries.endpointId, endpointId);
      const rows = await db
        .select()
        .from(webhookDeliveries)
        .where(where)
        .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
        .offset(offset)
        .limit(limit);
      const [total] = await db.select({ n: count() }).from(webhookDeliveries).where(where);
      return { rows, total: total!.n };
    },

    async findDelivery(endpointId: string, id: string): Promise<DeliveryRow | null> {
      const [row] = await db
        .select()
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.endpointId, endpointId), eq(webhookDeliveries.id, id)));
      return row ?? null;
    },

    /** A delivery and its endpoint, for an attempt; null when either is gone (the endpoint was deleted). */
    async forAttempt(id: string): Promise<{ delivery: DeliveryRow; endpoint: EndpointRow } | null> {
      const [row] = await db
        .select({ delivery: webhookDeliveries, endpoint: webhookEndpoints })
        .from(webhookDeliveries)
        .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
        .where(eq(webhookDeliveries.id, id));
      return row ?? null;
    },

    /**
     * Count the attempt on the delivery and keep its answer; `delivered` is
     * final. The endpoint remembers since when it has been failing (null
     * again after a success) and its last error, and counts the attempt in
     * the hour's counters of its health.
     */
    async recordAttempt(delivery: DeliveryRow, result: AttemptResult): Promise<void> {
      await db.transaction(async (tx) => {
        await tx
          .update(webhookDeliveries)
          .set({
            attempts: sql`${webhookDeliveries.attempts} + 1`,
            responseCode: result.responseCode,
            latencyMs: result.latencyMs,
            lastError: result.error,
            lastAttemptAt: result.at,
            ...(result.delivered
              ? { status: 'delivered' as const, deliveredAt: result.at }
              : result.final
                ? { status: 'failed' as const }
                : {}),
          })
          .where(eq(webhookDeliveries.id, delivery.id));
        await tx
          .update(webhookEndpoints)
          .set(
            result.delivered
              ? { failingSince: null }
              : {
                  failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${result.at.toISOString()}::timestamptz)`,
                  lastError: result.error,
                  lastErrorStatus: result.responseCode,
                  lastErrorAt: result.at,
                },
          )
          .where(eq(webhookEndpoints.id, delivery.endpointId));
        await tx.execute(countAttemptSql(delivery.endpointId, result.at, result.delivered));
      });
    },

    /**
     * Disable an endpoint that has been failing since `before` or earlier
     * (every attempt since then failed), and in the same transaction raise
     * `webhook_endpoint.disabled` to the other enabled endpoints subscribed
     * to it (the dead one cannot hear it). Null when this call did not
     * disable it; else how many endpoints were told.
     */
    async disableIfFailingSince(id: string, before: Date, reason: string): Promise<{ announcedTo: number } | null> {
      return db.transaction(async (tx) => {
        const [disabled] = await tx
          .update(webhookEndpoints)
          .set({ enabled: false, disabledReason: reason, updatedAt: new Date() })
          .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.enabled, true), lte(webhookEndpoints.failingSince, before)))
          .returning();
        if (!disabled) return null;
        return { announcedTo: await announceDisabledIn(tx as unknown as Db, disabled) };
      });
    },

    /** A delivery not sent (its endpoint is disabled): failed, with why; a redelivery can still send it. */
    async markFailed(id: string, error: string): Promise<void> {
      await db.update(webhookDeliveries).set({ status: 'failed', lastError: error }).where(eq(webhookDeliveries.id, id));
    },

    /** Why a delivery waits without an attempt (`circuit_open`). */
    async notePostponed(id: string, reason: string): Promise<void> {
      await db.update(webhookDeliveries).set({ lastError: reason }).where(eq(webhookDeliveries.id, id));
    },

    /** A redelivery starts over as pending (its attempts keep counting). */
    async markPending(id: string): Promise<void> {
      await db.update(webhookDeliveries).set({ status: 'pending' }).where(eq(webhookDeliveries.id, id));
    },
  };
}

export type WebhookStore = ReturnType<typeof createWebhookStore>;

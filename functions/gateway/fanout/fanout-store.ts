import { and, eq, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import { rowsOf } from '../../../shared/db/bulk-insert.js';
import type { Db } from '../../../shared/db/create-db.js';
import { insertAcceptedIn, type NewEvent, type NewNotification, type NewOutboxRow } from '../notification-store.js';
import { fanouts } from '../schema.js';
import type { IntakeEvents } from '../webhooks/intake-events.js';

export type FanoutRow = typeof fanouts.$inferSelect;
export type NewFanout = typeof fanouts.$inferInsert;

/** One page of a fan-out, decided: what to write, and where the cursor goes. */
export interface FanoutPage {
  /** The cursor the page was read after: the page is written only while the row still has it. */
  after: string | null;
  /** The last subscriber of the page (the new cursor). */
  last: string | null;
  /** The topic has no subscriber after this page. */
  done: boolean;
  rows: NewNotification[];
  outboxRows: NewOutboxRow[];
  /** First timeline events (a deferral by quiet hours). */
  events: NewEvent[];
  /** Subscribers nothing could be recorded for. */
  failed: number;
}

export interface FanoutStoreOptions {
  /** The webhook events of a page's notifications, written in the statement that inserts them, as intake does. */
  intakeEvents?: IntakeEvents;
}

/** Data access for `fanouts`; a page's notifications are written through the intake's own insert. */
export function createFanoutStore(db: Db, options: FanoutStoreOptions = {}) {
  return {
    /** The new fan-out, or null when this key already used its request id. */
    async insert(row: NewFanout): Promise<FanoutRow | null> {
      const [inserted] = await db.insert(fanouts).values(row).onConflictDoNothing().returning();
      return inserted ?? null;
    },

    async findByRequestId(apiKeyId: string, requestId: string): Promise<FanoutRow | null> {
      const [row] = await db
        .select()
        .from(fanouts)
        .where(and(eq(fanouts.apiKeyId, apiKeyId), eq(fanouts.requestId, requestId)));
      return row ?? null;
    },

    async find(id: string): Promise<FanoutRow | null> {
      const [row] = await db.select().from(fanouts).where(eq(fanouts.id, id));
      return row ?? null;
    },

    /**
     * Lease up to `limit` running fan-outs no other worker holds
     * (`FOR UPDATE SKIP LOCKED`, then `leased_until`), oldest first.
     */
    async lease(limit: number, leaseMs: number): Promise<FanoutRow[]> {
      const due = db
        .select({ id: fanouts.id })
        .from(fanouts)
        .where(and(eq(fanouts.state, 'running'), or(isNull(fanouts.leasedUntil), lte(fanouts.leasedUntil, sql`now()`))))
        .orderBy(fanouts.createdAt)
        .limit(limit)
        .for('update', { skipLocked: true });
      return db
        .update(fanouts)
        .set({ leasedUntil: sql`now() + make_interval(secs => ${leaseMs / 1000})` })
        .where(inArray(fanouts.id, due))
        .returning();
    },

    /**
     * Write one page in ONE transaction: its notifications and outbox rows
     * (and their webhook events), the cursor and the counts (from the notifications actually inserted),
     * and the lease renewed (or the fan-out completed). The row is locked
     * first and the page written only if its cursor is still `page.after`:
     * a worker whose lease ran out while another took over writes nothing
     * (false), so no page is counted twice.
     */
    async writePage(id: string, page: FanoutPage, leaseMs: number): Promise<FanoutRow | null> {
      // read before the transaction: the subscriptions' query runs on `db`, and PGlite's one connection is the transaction's
      const hooks = (await options.intakeEvents?.(page.rows)) ?? [];
      return db.transaction(async (tx) => {
        const locked = rowsOf<{ cursor: string | null }>(
          await tx.execute(sql`select cursor from fanouts where id = ${id}::uuid and state = 'running' for update`),
        );
        if (locked.length === 0 || (locked[0]!.cursor ?? null) !== page.after) return null;
        const inserted = await insertAcceptedIn(tx as unknown as Db, page.rows, page.outboxRows, page.events, hooks);
        const mine = page.rows.filter((r) => inserted.has(r.id!));
        // to be sent: now, or when the subscriber's quiet hours end
        const created = mine.filter((r) => r.status === 'pending' || r.status === 'deferred').length;
        const [row] = await tx
          .update(fanouts)
          .set({
            cursor: page.last ?? page.after,
            created: sql`${fanouts.created} + ${created}`,
            skipped: sql`${fanouts.skipped} + ${mine.length - created}`,
            failed: sql`${fanouts.failed} + ${page.failed}`,
            updatedAt: sql`now()`,
            ...(page.done
              ? { state: 'completed' as const, leasedUntil: null, completedAt: sql`now()` }
              : { leasedUntil: sql`now() + make_interval(secs => ${leaseMs / 1000})` }),
          })
          .where(eq(fanouts.id, id))
          .returning();
        return row ?? null;
      });
    },

    /** Give the fan-out back (a worker stopping between pages): another takes it at once. */
    async release(id: string): Promise<void> {
      await db
        .update(fanouts)
        .set({ leasedUntil: null })
        .where(and(eq(fanouts.id, id), eq(fanouts.state, 'running')));
    },

    /** It cannot go on (its topic was deleted): what was written stays. */
    async fail(id: string, error: string): Promise<void> {
      await db
        .update(fanouts)
        .set({ state: 'failed', error, leasedUntil: null, completedAt: sql`now()`, updatedAt: sql`now()` })
        .where(and(eq(fanouts.id, id), eq(fanouts.state, 'running')));
    },
  };
}

export type FanoutStore = ReturnType<typeof createFanoutStore>;

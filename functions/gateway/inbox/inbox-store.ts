import { and, count, desc, eq, gt, inArray, isNotNull, isNull, lt, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../../shared/db/create-db.js';
import { inboxItems } from '../schema.js';

export type InboxRow = typeof inboxItems.$inferSelect;
export type NewInboxItem = Omit<typeof inboxItems.$inferInsert, 'seq' | 'createdAt' | 'readAt' | 'seenAt' | 'archivedAt'>;

/** Which part of the feed: unread (not archived), read (not archived), archived; absent: everything not archived. */
export type InboxView = 'unread' | 'read' | 'archived';

/** The badge's numbers, over items not archived. */
export interface InboxCounts {
  unread: number;
  unseen: number;
  total: number;
}

/** A user's mark on one item. */
export type InboxMark = 'read' | 'unread' | 'archive';

/**
 * Runs in the transaction that reads items, with the ids it read: the
 * notifications' `read` status commits with the mark or not at all.
 */
export type AlongsideRead = (tx: Db, readIds: string[]) => Promise<unknown>;

const VIEWS: Record<InboxView | 'all', SQL | undefined> = {
  all: isNull(inboxItems.archivedAt),
  unread: and(isNull(inboxItems.archivedAt), isNull(inboxItems.readAt)),
  read: and(isNull(inboxItems.archivedAt), isNotNull(inboxItems.readAt)),
  archived: isNotNull(inboxItems.archivedAt),
};

/**
 * The gateway's inbox table: the in-app worker stores delivered items, the
 * feed routes read and mark them. Every method takes the user id and
 * filters by it, so no call can read or touch another user's items.
 */
export function createInboxStore(db: Db) {
  return {
    /** Store a delivered item; a second store of the same notification keeps the first. Returns the row either way. */
    async store(item: NewInboxItem): Promise<{ row: InboxRow; fresh: boolean }> {
      const [inserted] = await db.insert(inboxItems).values(item).onConflictDoNothing({ target: inboxItems.id }).returning();
      if (inserted) return { row: inserted, fresh: true };
      const [existing] = await db.select().from(inboxItems).where(eq(inboxItems.id, item.id));
      return { row: existing!, fresh: false };
    },

    /** One page of the feed, newest first: items older than `before` (a `seq`), at most `limit`. */
    async page(userId: string, options: { view?: InboxView | undefined; before?: number | undefined; limit: number }) {
      return db
        .select()
        .from(inboxItems)
        .where(
          and(
            eq(inboxItems.userId, userId),
            VIEWS[options.view ?? 'all'],
            options.before === undefined ? undefined : lt(inboxItems.seq, options.before),
          ),
        )
        .orderBy(desc(inboxItems.seq))
        .limit(options.limit);
    },

    /** Items stored after `seq`, oldest first (what a reconnecting stream missed), at most `limit`. */
    async since(userId: string, seq: number, limit: number): Promise<InboxRow[]> {
      return db
        .select()
        .from(inboxItems)
        .where(and(eq(inboxItems.userId, userId), gt(inboxItems.seq, seq)))
        .orderBy(inboxItems.seq)
        .limit(limit);
    },

    async counts(userId: string): Promise<InboxCounts> {
      const [row] = await db
        .select({
          total: count(),
          unread: sql<number>`count(*) filter (where ${inboxItems.readAt} is null)`.mapWith(Number),
          unseen: sql<number>`count(*) filter (where ${inboxItems.seenAt} is null)`.mapWith(Number),
        })
        .from(inboxItems)
        .where(and(eq(inboxItems.userId, userId), isNull(inboxItems.archivedAt)));
      return { unread: row!.unread, unseen: row!.unseen, total: row!.total };
    },

    /**
     * Mark one of the user's items. Null when the user has no such item.
     * `alongside` runs when this call read an unread item, in the same transaction.
     */
    async mark(userId: string, id: string, mark: InboxMark, alongside?: AlongsideRead): Promise<InboxRow | null> {
      const mine = and(eq(inboxItems.id, id), eq(inboxItems.userId, userId));
      if (mark === 'read') {
        const changed = await db.transaction(async (tx) => {
          const [row] = await tx
            .update(inboxItems)
            .set({ readAt: sql`now()`, seenAt: sql`coalesce(${inboxItems.seenAt}, now())` })
            .where(and(mine, isNull(inboxItems.readAt)))
            .returning();
          if (row && alongside) await alongside(tx as unknown as Db, [row.id]);
          return row;
        });
        if (changed) return changed;
      } else if (mark === 'unread') {
        await db.update(inboxItems).set({ readAt: null }).where(mine);
      } else {
        await db
          .update(inboxItems)
          .set({ archivedAt: sql`coalesce(${inboxItems.archivedAt}, now())` })
          .where(mine);
      }
      const [row] = await db.select().from(inboxItems).where(mine);
      return row ?? null;
    },

    /** Read every unread item of the user (not archived ones); returns the ids it read. */
    async readAll(userId: string, alongside?: AlongsideRead): Promise<string[]> {
      return db.transaction(async (tx) => {
        const rows = await tx
          .update(inboxItems)
          .set({ readAt: sql`now()`, seenAt: sql`coalesce(${inboxItems.seenAt}, now())` })
          .where(and(eq(inboxItems.userId, userId), isNull(inboxItems.readAt), isNull(inboxItems.archivedAt)))
          .returning({ id: inboxItems.id });
        const ids = rows.map((r) => r.id);
        if (ids.length > 0 && alongside) await alongside(tx as unknown as Db, ids);
        return ids;
      });
    },

    /** Mark every item of the user seen (the panel was opened), or only `ids` when given. */
    async seen(userId: string, ids?: string[]): Promise<number> {
      const rows = await db
        .update(inboxItems)
        .set({ seenAt: sql`now()` })
        .where(
          and(
            eq(inboxItems.userId, userId),
            isNull(inboxItems.seenAt),
            ids === undefined ? undefined : inArray(inboxItems.id, ids),
          ),
        )
        .returning({ id: inboxItems.id });
      return rows.length;
    },
  };
}

export type InboxStore = ReturnType<typeof createInboxStore>;

import { asc, count, eq } from 'drizzle-orm';
import type { Db } from '../../../shared/db/create-db.js';
import { suppressions } from '../schema.js';

export type SuppressionRow = typeof suppressions.$inferSelect;

/** The suppression list as an operator manages it: read a page, lift one address. */
export function createSuppressionStore(db: Db) {
  return {
    /** A page of suppressed addresses, by address. */
    async list(offset: number, limit: number): Promise<{ rows: SuppressionRow[]; total: number }> {
      const rows = await db.select().from(suppressions).orderBy(asc(suppressions.address)).offset(offset).limit(limit);
      const [total] = await db.select({ n: count() }).from(suppressions);
      return { rows, total: total!.n };
    },
    /** Lift the suppression of `address` (any case); false when it was not suppressed. */
    async remove(address: string): Promise<boolean> {
      const gone = await db
        .delete(suppressions)
        .where(eq(suppressions.address, address.toLowerCase()))
        .returning({ address: suppressions.address });
      return gone.length > 0;
    },
  };
}

export type SuppressionStore = ReturnType<typeof createSuppressionStore>;

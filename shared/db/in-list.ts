import { type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

const SERIALS: Record<string, string> = { bigserial: 'bigint', serial: 'integer', smallserial: 'smallint' };

/** The type to cast text to for this column (serials are their integer types). */
function castType(column: PgColumn): string {
  const type = column.getSQLType();
  return SERIALS[type] ?? type;
}

/**
 * `column IN (values)` as ONE jsonb parameter, so the statement's text is the
 * same whatever the number of values. Drizzle's `inArray` writes a parameter
 * per value: every new count is a new statement for the driver to prepare,
 * which costs an extra round trip (Parse/Describe) on the hot path and fills
 * the server's prepared-statement cache. Works on Postgres and PGlite.
 */
export function inList(column: PgColumn, values: ReadonlyArray<string | number>): SQL {
  return sql`${column} in (select value::${sql.raw(castType(column))} from jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;
}

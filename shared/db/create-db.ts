import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

/** A drizzle database, whichever driver is behind it. */
export type Db = PgDatabase<PgQueryResultHKT>;

/** A function's migrations: its folder and the table that records which ran. */
export interface MigrationSet {
  name: string;
  folder: string;
}

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Resolves when the database answers a query. */
  ping(): Promise<void>;
  /** Apply pending migrations of one function; safe when several replicas start at once. */
  migrate(set: MigrationSet): Promise<void>;
  close(): Promise<void>;
}

export interface DbOptions {
  /** Postgres URL; when absent, embedded PGlite is used. */
  databaseUrl?: string | undefined;
  /** PGlite data directory, or `memory://` for a throwaway database. */
  pgliteDir: string;
  /** Connections in the Postgres pool. */
  poolSize?: number;
}

export function dbOptionsFrom(config: { databaseUrl: string | undefined; dataDir: string }): DbOptions {
  return { databaseUrl: config.databaseUrl, pgliteDir: join(config.dataDir, 'pglite') };
}

const migrationsTable = (set: MigrationSet) => `__migrations_${set.name}`;

/** Postgres (the `postgres` driver) when a URL is given, embedded PGlite otherwise. */
export async function createDb(options: DbOptions): Promise<Database> {
  return options.databaseUrl ? createPostgresDb(options.databaseUrl, options.poolSize ?? 10) : createPgliteDb(options.pgliteDir);
}

type Sql = postgres.Sql;

/**
 * The driver with every query prepared. Drizzle runs its queries unprepared,
 * and postgres.js then asks the server for the parameter types before it can
 * bind: two round trips per query. Prepared, a statement is parsed once per
 * connection and each run is one round trip. Statement texts stay few (a list
 * is one jsonb parameter, see `in-list.ts`), so the driver's per-connection
 * statement cache stays small. Transactions get the same treatment.
 */
function preparing(client: Sql): Sql {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'unsafe') {
        return (query: string, parameters?: unknown[], options?: object) =>
          target.unsafe(query, parameters as never, { ...options, prepare: true });
      }
      if (property === 'begin') {
        return (...args: unknown[]) => {
          const run = args.pop() as (tx: Sql) => unknown;
          return (target.begin as (...a: unknown[]) => unknown)(...args, (tx: Sql) => run(preparing(tx)));
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

function createPostgresDb(url: string, poolSize: number): Database {
  const client = postgres(url, { max: poolSize, onnotice: () => {} });
  const db = drizzlePostgres(preparing(client)) as unknown as Db;
  return {
    db,
    kind: 'postgres',
    ping: async () => {
      await client`select 1`;
    },
    migrate: async (set) => {
      // one connection holds an advisory lock so concurrent replicas migrate one at a time
      const migrator = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await migrator`select pg_advisory_lock(hashtext(${migrationsTable(set)}))`;
        await migratePostgres(drizzlePostgres(migrator), {
          migrationsFolder: set.folder,
          migrationsTable: migrationsTable(set),
        });
      } finally {
        await migrator.end();
      }
    },
    close: () => client.end({ timeout: 5 }),
  };
}

async function createPgliteDb(dir: string): Promise<Database> {
  if (!dir.startsWith('memory://')) mkdirSync(dir, { recursive: true });
  const client = await PGlite.create(dir);
  const db = drizzlePglite(client) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    migrate: async (set) => {
      await migratePglite(drizzlePglite(client), { migrationsFolder: set.folder, migrationsTable: migrationsTable(set) });
    },
    close: () => client.close(),
  };
}

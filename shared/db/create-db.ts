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

export function dbOptionsFrom(config: {
  databaseUrl: string | undefined;
  databasePoolSize?: number;
  dataDir: string;
}): DbOptions {
  return {
    databaseUrl: config.databaseUrl,
    pgliteDir: join(config.dataDir, 'pglite'),
    ...(config.databasePoolSize !== undefined && { poolSize: config.databasePoolSize }),
  };
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

/**
 * Pool options for a database that may go away for a few seconds:
 * - `fetch_types: false`: postgres.js otherwise runs its array-type query on
 *   every new connection from a promise nobody awaits, and a connection lost
 *   during it rejects that promise unhandled, which ends the process. No
 *   query here needs the driver to parse arrays (drizzle parses its own).
 * - `backoff`: the wait before a closed connection reconnects. The default
 *   grows with the pool's failures to 20 s, so after a 5 s outage queries
 *   waited behind connections still backing off; capped at 1 s here.
 * - `connect_timeout`: a connect that hangs fails after 5 s (default 30 s).
 */
const POSTGRES_POOL_OPTIONS = {
  fetch_types: false,
  backoff: (attempt: number) => Math.min(0.05 * 2 ** attempt, 1),
  connect_timeout: 5,
  onnotice: () => {},
} satisfies postgres.Options<Record<string, never>>;

function createPostgresDb(url: string, poolSize: number): Database {
  const client = postgres(url, { ...POSTGRES_POOL_OPTIONS, max: poolSize });
  const db = drizzlePostgres(preparing(client)) as unknown as Db;
  return {
    db,
    kind: 'postgres',
    ping: async () => {
      await client`select 1`;
    },
    migrate: async (set) => {
      // one connection holds an advisory lock so concurrent replicas migrate one at a time
      const migrator = postgres(url, { ...POSTGRES_POOL_OPTIONS, max: 1 });
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

import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { type Env, processEnv } from '../config.js';
import { createDb, type Database, type MigrationSet } from '../db/create-db.js';

export interface TestDatabase {
  kind: 'pglite' | 'postgres';
  /** A database of its own; `url` is set on Postgres, for other processes to connect to. */
  open(migrations: MigrationSet[]): Promise<Database & { url?: string }>;
}

/**
 * The databases a data suite runs against: embedded PGlite always, and the
 * real Postgres when `DATABASE_URL` is set. Each `open` makes a database of
 * its own (a fresh Postgres database, dropped on close), so files run in
 * parallel without seeing each other's rows.
 */
export function testDatabases(env: Env = processEnv()): TestDatabase[] {
  const list: TestDatabase[] = [{ kind: 'pglite', open: (m) => openPglite(m) }];
  const url = env.DATABASE_URL;
  if (url) list.push({ kind: 'postgres', open: (m) => openPostgres(url, m) });
  return list;
}

async function openPglite(migrations: MigrationSet[]): Promise<Database> {
  const database = await createDb({ pgliteDir: 'memory://' });
  for (const set of migrations) await database.migrate(set);
  return database;
}

async function openPostgres(url: string, migrations: MigrationSet[]): Promise<Database & { url: string }> {
  const name = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${name}`;
  const database = await createDb({ databaseUrl: dbUrl.toString(), pgliteDir: 'memory://', poolSize: 4 });
  for (const set of migrations) await database.migrate(set);
  return {
    ...database,
    url: dbUrl.toString(),
    close: async () => {
      await database.close();
      const dropper = postgres(url, { max: 1, onnotice: () => {} });
      await dropper.unsafe(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  };
}

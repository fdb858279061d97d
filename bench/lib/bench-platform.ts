import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { dropRabbitTopology } from '../../shared/queue/rabbitmq/topology.js';

/** What a bench runs the platform on: a database and queues of its own, and the settings `scripts/start.ts` needs. */
export interface BenchPlatform {
  /** The bench's own database. */
  databaseUrl: string;
  adminKey: string;
  /** For `spawnTs('scripts/start.ts', ...)`: its database, queues, fresh secrets, the gateway with user and template. */
  env: Record<string, string>;
  /** Drop the database and the queues (after the processes stopped). */
  close(): Promise<void>;
}

/**
 * A fresh database (and queue prefix) for one bench, on the real services
 * of `env`, with the platform settings every bench starts `npm start` with,
 * plus `extra`. The bench stops its processes, then calls `close()`.
 */
export async function openBenchPlatform(
  bench: string,
  env: Record<string, string | undefined>,
  extra: Record<string, string> = {},
): Promise<BenchPlatform> {
  const { DATABASE_URL, REDIS_URL, AMQP_URL } = env;
  if (!DATABASE_URL || !REDIS_URL || !AMQP_URL) throw new Error(`${bench} needs DATABASE_URL, REDIS_URL and AMQP_URL`);
  const dbName = `bench_${Date.now().toString(36)}`;
  const admin = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  const dbUrl = new URL(DATABASE_URL);
  dbUrl.pathname = `/${dbName}`;
  const queuePrefix = `${dbName}.`;
  const adminKey = `bench-admin-${randomBytes(16).toString('hex')}`;
  return {
    databaseUrl: dbUrl.toString(),
    adminKey,
    env: {
      DATABASE_URL: dbUrl.toString(),
      REDIS_URL,
      AMQP_URL,
      AMQP_QUEUE_PREFIX: queuePrefix,
      ADMIN_API_KEY: adminKey,
      JWT_SECRET: randomBytes(32).toString('hex'),
      INTERNAL_SECRET: randomBytes(32).toString('hex'),
      DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-')),
      LOG_LEVEL: 'warn',
      // the gateway and the functions it looks up; workers run elsewhere in a real deployment
      FUNCTIONS: 'gateway,user,template',
      ...extra,
    },
    async close() {
      await admin.unsafe(`drop database if exists ${dbName} with (force)`);
      await admin.end();
      await dropRabbitTopology(AMQP_URL, queuePrefix);
    },
  };
}

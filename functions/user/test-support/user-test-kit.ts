import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Hono } from 'hono';
import { createMemoryCache } from '../../../shared/cache/memory-cache.js';
import type { Database } from '../../../shared/db/create-db.js';
import type { AppEnv } from '../../../shared/http/app-env.js';
import { createLogger } from '../../../shared/logging/logger.js';
import type { TestDatabase } from '../../../shared/test-support/test-databases.js';
import { migrationsOf } from '../../migrations.js';
import { createUserApp } from '../app.js';
import { createCredentialAuthenticator } from '../credential-authenticator.js';
import { createUserStore } from '../user-store.js';

export const BOOTSTRAP_ADMIN_KEY = `bootstrap-admin-${randomBytes(12).toString('hex')}`;
export const JWT_SECRET = randomBytes(32).toString('base64url');

export interface UserKit {
  app: Hono<AppEnv>;
  database: Database;
  logLines: string[];
  request(method: string, path: string, options?: { body?: unknown; auth?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  createUser(overrides?: Record<string, unknown>): Promise<{ id: string; email: string; password: string; token: string }>;
  close(): Promise<void>;
}

/** The real user app on a real database (PGlite or Postgres), with the real authenticator. */
export async function openUserKit(target: TestDatabase, options: { jwtTtlSeconds?: number } = {}): Promise<UserKit> {
  const database = await target.open([migrationsOf('user')]);
  const logLines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    name: 'user',
    destination: new Writable({
      write(chunk, _e, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  });
  const store = createUserStore(database.db);
  const app = createUserApp({
    store,
    authenticator: createCredentialAuthenticator({ store, jwtSecret: JWT_SECRET, bootstrapAdminKey: BOOTSTRAP_ADMIN_KEY }),
    cache: createMemoryCache(),
    logger,
    jwt: { secret: JWT_SECRET, ttlSeconds: options.jwtTtlSeconds ?? 3600 },
    pushEndpointAllowlist: ['localhost', '127.0.0.1'],
    bodyLimitBytes: 64 * 1024,
    readiness: { database: () => database.ping() },
  });

  const request: UserKit['request'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.auth) headers.authorization = `Bearer ${opts.auth}`;
    if (opts.body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await app.request(path, {
      method,
      headers,
      ...(opts.body !== undefined && { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) }),
    });
    return { status: res.status, body: await res.json(), headers: res.headers };
  };

  return {
    app,
    database,
    logLines,
    request,
    async createUser(overrides = {}) {
      const email = `user-${randomUUID()}@example.com`;
      const password = 'correct horse battery';
      const created = await request('POST', '/api/v1/users', { body: { name: 'Ada', email, password, ...overrides } });
      if (created.status !== 201) throw new Error(`create user failed: ${JSON.stringify(created.body)}`);
      const login = await request('POST', '/api/v1/auth/login', { body: { email: overrides.email ?? email, password: overrides.password ?? password } });
      return { id: created.body.data.id, email: created.body.data.email, password, token: login.body.data.access_token };
    },
    close: () => database.close(),
  };
}

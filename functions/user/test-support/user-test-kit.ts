import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Hono } from 'hono';
import { createTokenRevocations } from '../../../shared/auth/token-revocations.js';
import { createMemoryCache } from '../../../shared/cache/memory-cache.js';
import { createCacheSeal } from '../../../shared/cache/sealed-values.js';
import type { Fetcher } from '../../../shared/clients/fetcher.js';
import type { ScryptCost } from '../../../shared/config-passwords.js';
import type { Database } from '../../../shared/db/create-db.js';
import type { AppEnv } from '../../../shared/http/app-env.js';
import { createLogger } from '../../../shared/logging/logger.js';
import type { OutboundPolicy } from '../../../shared/net/outbound-policy.js';
import { internalHeaders, peerFetcher } from '../../../shared/test-support/internal-headers.js';
import { LOCAL_PUSH_ENDPOINT_POLICY } from '../../../shared/test-support/local-push-policy.js';
import type { TestDatabase } from '../../../shared/test-support/test-databases.js';
import { migrationsOf } from '../../migrations.js';
import { createUserApp } from '../app.js';
import { createCredentialAuthenticator } from '../auth/credential-authenticator.js';
import { createPasswordHasher } from '../auth/password.js';
import { createTopicStore } from '../topics/topic-store.js';
import { createRecipientImport } from '../users/recipient-import.js';
import { createRecipientReader } from '../users/recipient-reader.js';
import { createUserStore } from '../users/user-store.js';

export const BOOTSTRAP_ADMIN_KEY = `bootstrap-admin-${randomBytes(12).toString('hex')}`;
export const JWT_SECRET = randomBytes(32).toString('base64url');
export const INTERNAL_SECRET = randomBytes(32).toString('base64url');
/** Suites create many users: a cheap scrypt cost, set explicitly (the default is OWASP's). */
export const TEST_SCRYPT_COST = { N: 2 ** 12, r: 8, p: 1 };

export interface UserKit {
  app: Hono<AppEnv>;
  /** The app as another function reaches it (its `/internal` calls signed). */
  peer: Fetcher;
  database: Database;
  logLines: string[];
  request(
    method: string,
    path: string,
    options?: { body?: unknown; auth?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  createUser(overrides?: Record<string, unknown>): Promise<{ id: string; email: string; password: string; token: string }>;
  close(): Promise<void>;
}

/** The real user app on a real database (PGlite or Postgres), with the real authenticator. */
export async function openUserKit(
  target: TestDatabase,
  options: {
    jwtTtlSeconds?: number;
    scrypt?: ScryptCost;
    pushEndpointPolicy?: OutboundPolicy;
    maxDevicesPerUser?: number;
  } = {},
): Promise<UserKit> {
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
  const cache = createMemoryCache();
  const app = createUserApp({
    store,
    recipients: createRecipientImport(database.db, { maxDevicesPerUser: options.maxDevicesPerUser ?? 20 }),
    recipientReader: createRecipientReader(database.db),
    topics: createTopicStore(database.db),
    authenticator: createCredentialAuthenticator({ store, jwtSecret: JWT_SECRET, bootstrapAdminKey: BOOTSTRAP_ADMIN_KEY }),
    tokenRevocations: createTokenRevocations({ cache, seal: createCacheSeal(JWT_SECRET) }),
    cache,
    passwords: createPasswordHasher(options.scrypt ?? TEST_SCRYPT_COST),
    logger,
    jwt: { secret: JWT_SECRET, ttlSeconds: options.jwtTtlSeconds ?? 3600 },
    internalSecret: INTERNAL_SECRET,
    pushEndpointPolicy: options.pushEndpointPolicy ?? LOCAL_PUSH_ENDPOINT_POLICY,
    maxDevicesPerUser: options.maxDevicesPerUser ?? 20,
    bodyLimitBytes: 64 * 1024,
    readiness: { database: () => database.ping() },
  });

  // calls to /internal paths carry a service credential, as the other functions' calls do
  const request: UserKit['request'] = async (method, path, opts = {}) => {
    const service = path.startsWith('/internal/') ? internalHeaders(INTERNAL_SECRET, 'user') : {};
    const headers: Record<string, string> = { ...service, ...opts.headers };
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
    peer: peerFetcher(app, { secret: INTERNAL_SECRET, audience: 'user' }),
    database,
    logLines,
    request,
    async createUser(overrides = {}) {
      const email = `user-${randomUUID()}@example.com`;
      const password = 'correct horse battery';
      const created = await request('POST', '/api/v1/users', { body: { name: 'Ada', email, password, ...overrides } });
      if (created.status !== 201) throw new Error(`create user failed: ${JSON.stringify(created.body)}`);
      const login = await request('POST', '/api/v1/auth/login', {
        body: { email: overrides.email ?? email, password: overrides.password ?? password },
      });
      return { id: created.body.data.id, email: created.body.data.email, password, token: login.body.data.access_token };
    },
    close: () => database.close(),
  };
}

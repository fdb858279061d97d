import { randomBytes } from 'node:crypto';
import type { Hono } from 'hono';
import type { Fetcher } from '../../../shared/clients/fetcher.js';
import type { Database } from '../../../shared/db/create-db.js';
import type { AppEnv } from '../../../shared/http/app-env.js';
import { createLogger } from '../../../shared/logging/logger.js';
import { internalHeaders, peerFetcher } from '../../../shared/test-support/internal-headers.js';
import { createTestAuthenticator, TEST_KEYS } from '../../../shared/test-support/test-authenticator.js';
import type { TestDatabase } from '../../../shared/test-support/test-databases.js';
import { migrationsOf } from '../../migrations.js';
import { createTemplateApp } from '../app.js';
import type { TemplateEngineOptions } from '../engine/template-engine.js';

/** Who calls: the test admin key, the send key, a user token, an unknown key, nobody, or another function (service credential). */
export type Caller = 'admin' | 'send' | 'user' | 'bogus' | 'none' | 'service';

const INTERNAL_SECRET = randomBytes(32).toString('base64url');

const CREDENTIALS: Record<Caller, string | undefined> = {
  admin: TEST_KEYS.admin,
  send: TEST_KEYS.send,
  user: 'user:7d0f4b8e-8a43-4c1e-9f59-0c1b5e0c2f11',
  bogus: 'not-a-real-key',
  none: undefined,
  service: undefined,
};

export interface CallResult {
  status: number;
  /** The parsed envelope; `any` because tests read arbitrary fields of it. */
  body: any;
}

export interface TemplateTestKit {
  app: Hono<AppEnv>;
  /** The app as another function reaches it (its `/internal` calls signed). */
  peer: Fetcher;
  database: Database;
  /** One request through the app in process; `body` is sent as JSON unless it is a string. */
  call(method: string, path: string, options?: { as?: Caller; body?: unknown }): Promise<CallResult>;
  close(): Promise<void>;
}

/** A template app over a fresh, migrated database of the given kind, with the test authenticator. */
export async function openTemplateTestKit(
  testDb: TestDatabase,
  options: { engine?: TemplateEngineOptions } = {},
): Promise<TemplateTestKit> {
  const database = await testDb.open([migrationsOf('template')]);
  const app = createTemplateApp({
    ...(options.engine && { engine: options.engine }),
    db: database.db,
    logger: createLogger({ level: 'silent', name: 'template-test' }),
    authenticator: createTestAuthenticator(),
    bodyLimitBytes: 64 * 1024,
    internalSecret: INTERNAL_SECRET,
  });
  return {
    app,
    peer: peerFetcher(app, { secret: INTERNAL_SECRET, audience: 'template' }),
    database,
    async call(method, path, { as = 'admin', body } = {}) {
      const headers: Record<string, string> = as === 'service' ? internalHeaders(INTERNAL_SECRET, 'template') : {};
      const credential = CREDENTIALS[as];
      if (credential) headers.authorization = `Bearer ${credential}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await app.request(path, {
        method,
        headers,
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    close: () => database.close(),
  };
}

let counter = 0;
/** A template code no other test in the run uses, so tests share one database without clashing. */
export function uniqueCode(prefix = 'tpl'): string {
  counter += 1;
  return `${prefix}_${Date.now().toString(36)}_${counter}`;
}

/** A valid create body for an email template. */
export function emailTemplateBody(code: string, overrides: Record<string, unknown> = {}) {
  return {
    template_code: code,
    channel: 'email',
    category: 'onboarding',
    content: { subject: 'Hello {{name}}', html: '<p>Hi {{name}}, <a href="{{link}}">go</a></p>' },
    variables: [
      { name: 'name', required: true },
      { name: 'link', required: false },
    ],
    ...overrides,
  };
}

/** A valid create body for a push template. */
export function pushTemplateBody(code: string, overrides: Record<string, unknown> = {}) {
  return {
    template_code: code,
    channel: 'push',
    category: 'onboarding',
    content: { title: 'Hi {{name}}', body: 'Open {{link}}', url: '{{link}}' },
    variables: [
      { name: 'name', required: true },
      { name: 'link', required: true },
    ],
    ...overrides,
  };
}

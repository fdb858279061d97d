import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTERNAL_CREDENTIAL_HEADER } from '../../shared/auth/internal-credential.js';
import { INTROSPECT_PATH } from '../../shared/auth/remote-authenticator.js';
import { createMemoryCache } from '../../shared/cache/memory-cache.js';
import { loadConfig } from '../../shared/config.js';
import type { Database } from '../../shared/db/create-db.js';
import { createLogger } from '../../shared/logging/logger.js';
import { createMemoryQueue } from '../../shared/queue/memory-queue.js';
import type { Infra, RunningFunction } from '../../shared/runtime/function-module.js';
import { testDatabases } from '../../shared/test-support/test-databases.js';
import { templateFunction } from './function.js';
import { emailTemplateBody } from './test-support/template-test-kit.js';

describe('templateFunction module', () => {
  let database: Database;
  let running: RunningFunction;
  const introspected: string[] = [];

  beforeAll(async () => {
    const module = templateFunction;
    database = await testDatabases({})[0]!.open(module.migrations!);
    // the template function uses only these adapters (the queue only for its metrics); the rest of Infra stays out
    const logger = createLogger({ level: 'silent', name: 'template' });
    const infra = {
      config: loadConfig({ NODE_ENV: 'test', TEMPLATE_PARSE_LIMIT: '5000' }),
      logger,
      database,
      queue: createMemoryQueue({ logger }),
      cache: createMemoryCache(),
      jwtSecret: 'j'.repeat(40),
      internalSecret: 'i'.repeat(40),
    } satisfies Pick<Infra, 'config' | 'logger' | 'database' | 'queue' | 'cache' | 'jwtSecret' | 'internalSecret'>;
    running = await module.create(infra as Infra, {
      // stands in for the user function: it knows one admin key
      fetcher: (name) => async (request) => {
        expect(name).toBe('user');
        expect(new URL(request.url).pathname).toBe(INTROSPECT_PATH);
        // its calls carry the template function's service credential for the user function
        expect(request.headers.get(INTERNAL_CREDENTIAL_HEADER)).toMatch(/^v1\.template\.user\.\d+\./);
        const { credential } = (await request.json()) as { credential: string };
        introspected.push(credential);
        const principal = credential === 'real-admin' ? { kind: 'api_key', keyId: 'k1', scopes: ['admin'] } : null;
        return Response.json({ success: true, data: { principal }, message: 'ok' });
      },
    });
  });
  afterAll(async () => {
    await running?.stop?.();
    await database?.close();
  });

  it('declares its name, ports and checked-in migrations', () => {
    expect(templateFunction).toMatchObject({ name: 'template', containerPort: 8002, devPort: 8002 });
    expect(existsSync(join(templateFunction.migrations![0]!.folder, '0000_init.sql'))).toBe(true);
  });

  it('checks credentials with the user function (cached) and is ready when its database answers', async () => {
    const post = () =>
      running.app.request('/api/v1/templates', {
        method: 'POST',
        headers: { 'x-api-key': 'real-admin', 'content-type': 'application/json' },
        body: JSON.stringify(emailTemplateBody(`fn_${Date.now().toString(36)}`)),
      });
    expect((await post()).status).toBe(201);
    expect((await running.app.request('/api/v1/templates', { headers: { 'x-api-key': 'wrong' } })).status).toBe(401);
    expect(introspected).toEqual(['real-admin', 'wrong']);
    expect((await running.app.request('/health/ready')).status).toBe(200);
  });

  it('renders with the configured liquidjs limits (TEMPLATE_PARSE_LIMIT here)', async () => {
    const body = emailTemplateBody(`fn_long_${Date.now().toString(36)}`, {
      content: { subject: 's', html: `<p>${'x'.repeat(5_001)}</p>` },
      variables: [],
    });
    const res = await running.app.request('/api/v1/templates', {
      method: 'POST',
      headers: { 'x-api-key': 'real-admin', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: 'template_limit_exceeded', meta: { limit: 'parse' } });
  });
});

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTROSPECT_PATH } from '../../shared/auth/remote-authenticator.js';
import { createMemoryCache } from '../../shared/cache/memory-cache.js';
import { loadConfig } from '../../shared/config.js';
import type { Database } from '../../shared/db/create-db.js';
import { createLogger } from '../../shared/logging/logger.js';
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
    database = await testDatabases({})[0]!.open([module.migrations!]);
    // the template function uses only these adapters; the rest of Infra (queue, secrets) stays out of its test
    const infra = {
      config: loadConfig({ NODE_ENV: 'test' }),
      logger: createLogger({ level: 'silent', name: 'template' }),
      database,
      cache: createMemoryCache(),
    } satisfies Pick<Infra, 'config' | 'logger' | 'database' | 'cache'>;
    running = await module.create(
      infra as Infra,
      {
        // stands in for the user function: it knows one admin key
        fetcher: (name) => async (request) => {
          expect(name).toBe('user');
          expect(new URL(request.url).pathname).toBe(INTROSPECT_PATH);
          const { credential } = (await request.json()) as { credential: string };
          introspected.push(credential);
          const principal = credential === 'real-admin' ? { kind: 'api_key', keyId: 'k1', scopes: ['admin'] } : null;
          return Response.json({ success: true, data: { principal }, message: 'ok' });
        },
      },
    );
  });
  afterAll(async () => {
    await running?.stop?.();
    await database?.close();
  });

  it('declares its name, ports and checked-in migrations', () => {
    expect(templateFunction).toMatchObject({ name: 'template', containerPort: 8002, devPort: 8002 });
    expect(existsSync(join(templateFunction.migrations!.folder, '0000_init.sql'))).toBe(true);
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
});

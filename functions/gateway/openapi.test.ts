import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../shared/db/create-db.js';
import { toOpenApiPath } from '../../shared/openapi/operation.js';
import { documentedRoutes, exampleProblems, registeredRoutes, structuralProblems } from '../../shared/openapi/testing.js';
import type { RunningFunction } from '../../shared/runtime/function-module.js';
import { testDatabases } from '../../shared/test-support/test-databases.js';
import { createTestInfra } from '../../shared/test-support/test-infra.js';
import { EMAIL_OPERATIONS } from '../email/openapi.js';
import { migrationsOf } from '../migrations.js';
import { PUSH_OPERATIONS } from '../push/openapi.js';
import { TEMPLATE_OPERATIONS } from '../template/openapi.js';
import { USER_OPERATIONS } from '../user/openapi.js';
import { gatewayFunction } from './function.js';
import { buildGatewayOpenApi, FORWARDED_PREFIXES, forwardedOperations, GATEWAY_OPERATIONS } from './openapi.js';

describe('gateway: merged OpenAPI document and metrics', () => {
  let database: Database;
  let running: RunningFunction;
  beforeAll(async () => {
    database = await testDatabases()[0]!.open([migrationsOf('gateway')]);
    running = await gatewayFunction.create(createTestInfra({ database }), {
      fetcher: () => () => Promise.reject(new Error('no peers')),
    });
  });
  afterAll(() => database.close());

  const own = () =>
    documentedRoutes(buildGatewayOpenApi()).filter((r) => !FORWARDED_PREFIXES.some((p) => r.split(' ')[1]!.startsWith(p)));

  it('documents every route of its own, and nothing it does not register', () => {
    expect(own()).toEqual(registeredRoutes(running.app));
  });

  it('forwards exactly the prefixes the document says it forwards', () => {
    const forwarding = running.app.routes
      .filter((r) => r.method === 'ALL' && r.handler.length < 2)
      .map((r) => r.path.replace(/\/\*$/, ''));
    expect([...new Set(forwarding)].sort()).toEqual([...FORWARDED_PREFIXES].sort());
  });

  it('contains every public operation of user, template, email and push, at the same path', () => {
    const merged = documentedRoutes(buildGatewayOpenApi());
    const owned = [...USER_OPERATIONS, ...TEMPLATE_OPERATIONS, ...EMAIL_OPERATIONS, ...PUSH_OPERATIONS];
    for (const op of owned) expect(merged).toContain(`${op.method.toUpperCase()} ${toOpenApiPath(op.path)}`);
    expect(forwardedOperations()).toHaveLength(owned.length);
  });

  it('has valid examples and a sound structure (operationIds unique across functions, every $ref resolves)', async () => {
    expect(await exampleProblems(GATEWAY_OPERATIONS)).toEqual([]);
    expect(structuralProblems(buildGatewayOpenApi())).toEqual([]);
  });

  it('serves the merged document at /openapi.json', async () => {
    const res = await running.app.request('/openapi.json');
    const doc = (await res.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/notifications',
        '/api/v1/users/{user_id}',
        '/api/v1/templates/{code}/render',
        '/api/v1/email/events',
        '/api/v1/push/vapid-public-key',
      ]),
    );
  });

  it('reports notifications by status on /metrics', async () => {
    const text = await (await running.app.request('/metrics')).text();
    expect(text).toContain('# TYPE notifications_by_status gauge');
    expect(text).toContain('# TYPE queue_depth gauge');
    expect(text).toMatch(/queue_depth\{key="email",function="gateway"\} 0/);
  });
});

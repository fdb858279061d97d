import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../shared/db/create-db.js';
import { documentedRoutes, exampleProblems, registeredRoutes, structuralProblems } from '../../shared/openapi/testing.js';
import type { RunningFunction } from '../../shared/runtime/function-module.js';
import { testDatabases } from '../../shared/test-support/test-databases.js';
import { createTestInfra } from '../../shared/test-support/test-infra.js';
import { migrationsOf } from '../migrations.js';
import { userFunction } from './function.js';
import { buildUserOpenApi, USER_OPERATIONS } from './openapi.js';

describe('user function: OpenAPI document', () => {
  let database: Database;
  let running: RunningFunction;
  beforeAll(async () => {
    database = await testDatabases()[0]!.open([migrationsOf('user')]);
    running = await userFunction.create(createTestInfra({ database }), {
      fetcher: () => () => Promise.reject(new Error('no peers')),
    });
  });
  afterAll(() => database.close());

  it('documents every route the app registers, and nothing it does not', () => {
    expect(documentedRoutes(buildUserOpenApi())).toEqual(registeredRoutes(running.app));
  });

  it('has request examples that pass the schemas the routes validate with', async () => {
    expect(await exampleProblems(USER_OPERATIONS)).toEqual([]);
  });

  it('is a structurally sound OpenAPI 3.1 document', () => {
    expect(structuralProblems(buildUserOpenApi())).toEqual([]);
  });

  it('serves the document at /openapi.json and the reference page at /docs', async () => {
    const doc = await running.app.request('/openapi.json');
    expect(doc.status).toBe(200);
    expect(((await doc.json()) as { openapi: string }).openapi).toBe('3.1.0');
    const page = await running.app.request('/docs/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('/openapi.json');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../shared/db/create-db.js';
import { documentedRoutes, exampleProblems, registeredRoutes, structuralProblems } from '../../shared/openapi/testing.js';
import type { RunningFunction } from '../../shared/runtime/function-module.js';
import { testDatabases } from '../../shared/test-support/test-databases.js';
import { createTestInfra } from '../../shared/test-support/test-infra.js';
import { migrationsOf } from '../migrations.js';
import { templateFunction } from './function.js';
import { buildTemplateOpenApi, TEMPLATE_OPERATIONS } from './openapi.js';

describe('template function: OpenAPI document and metrics', () => {
  let database: Database;
  let running: RunningFunction;
  beforeAll(async () => {
    database = await testDatabases()[0]!.open([migrationsOf('template')]);
    running = await templateFunction.create(createTestInfra({ database }), {
      fetcher: () => () => Promise.reject(new Error('no peers')),
    });
  });
  afterAll(() => database.close());

  it('documents every route the app registers, and nothing it does not', () => {
    expect(documentedRoutes(buildTemplateOpenApi())).toEqual(registeredRoutes(running.app));
  });

  it("has request examples that pass the routes' schemas and parsers", async () => {
    expect(await exampleProblems(TEMPLATE_OPERATIONS)).toEqual([]);
  });

  it('is a structurally sound OpenAPI 3.1 document', () => {
    expect(structuralProblems(buildTemplateOpenApi())).toEqual([]);
  });

  it('serves /metrics in Prometheus text format, counting a request by its route pattern', async () => {
    await running.app.request('/api/v1/templates/order_shipped/versions/3');
    const res = await running.app.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('# TYPE http_requests_total counter');
    expect(text).toMatch(
      /http_requests_total\{method="GET",route="\/api\/v1\/templates\/:code\/versions\/:version",status_class="4xx",function="template"\} 1/,
    );
    expect(text).not.toContain('order_shipped');
  });
});

import { describe, expect, it } from 'vitest';
import { createLogger } from '../../shared/logging/logger.js';
import { documentedRoutes, exampleProblems, registeredRoutes, structuralProblems } from '../../shared/openapi/testing.js';
import { createPushApp } from './app.js';
import { buildPushOpenApi, PUSH_OPERATIONS } from './openapi.js';

describe('push function: OpenAPI document', () => {
  const app = createPushApp({
    logger: createLogger({ level: 'silent', name: 'test' }),
    bodyLimitBytes: 1024,
    vapidPublicKey: 'BPublicKey',
    readiness: {},
  });

  it('documents every route the app registers, and nothing it does not', () => {
    expect(documentedRoutes(buildPushOpenApi())).toEqual(registeredRoutes(app));
  });

  it('has valid examples and a sound structure', async () => {
    expect(await exampleProblems(PUSH_OPERATIONS)).toEqual([]);
    expect(structuralProblems(buildPushOpenApi())).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { createLogger } from '../../shared/logging/logger.js';
import { documentedRoutes, exampleProblems, registeredRoutes, structuralProblems } from '../../shared/openapi/testing.js';
import type { Queue } from '../../shared/queue/queue.js';
import { createEmailApp } from './app.js';
import { createSesEventIntake } from './feedback/ses-events.js';
import { buildEmailOpenApi, EMAIL_OPERATIONS, EXAMPLE_SNS_NOTIFICATION } from './openapi.js';

const logger = createLogger({ level: 'silent', name: 'test' });

describe('email function: OpenAPI document', () => {
  const app = createEmailApp({
    logger,
    bodyLimitBytes: 1024,
    readiness: {},
    sesEvents: async () => ({ type: 'ignored', reason: 'test' }),
  });

  it('documents every route the app registers, and nothing it does not', () => {
    expect(documentedRoutes(buildEmailOpenApi())).toEqual(registeredRoutes(app));
  });

  it('has valid examples and a sound structure', async () => {
    expect(await exampleProblems(EMAIL_OPERATIONS)).toEqual([]);
    expect(structuralProblems(buildEmailOpenApi())).toEqual([]);
  });

  it('documents an SNS example the real intake turns into a status message', async () => {
    const published: unknown[] = [];
    const queue = { publish: async (_key: string, message: unknown) => void published.push(message) } as unknown as Queue;
    const intake = createSesEventIntake({
      queue,
      logger,
      verifier: null,
      confirm: async () => {},
      subscribeHostAllowlist: [],
      topicArns: [EXAMPLE_SNS_NOTIFICATION.TopicArn],
    });
    expect(await intake(JSON.stringify(EXAMPLE_SNS_NOTIFICATION))).toEqual({ type: 'events', published: 1 });
    expect(published).toMatchObject([{ notification_id: '3f0b1c9e-8a4d-4e2b-9c1a-2b7d6e5f4a30', status: 'delivered' }]);
  });
});

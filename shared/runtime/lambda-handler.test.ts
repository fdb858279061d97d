import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../http/app-env.js';
import { createLogger } from '../logging/logger.js';
import { toHttpApiEvent } from './lambda-function-url.js';
import { createLambdaHandler, type LambdaTarget } from './lambda-handler.js';

const logger = createLogger({ level: 'silent', name: 'test' });

describe('lambda handler', () => {
  it('exports the spans of every invocation before it returns, a failed one included', async () => {
    const flushed: string[] = [];
    let step = 'none';
    const app = new Hono<AppEnv>().get('/ok', (c) => {
      step = 'http';
      return c.json({ ok: true });
    });
    const target: LambdaTarget = {
      name: 'test',
      app,
      logger,
      consumers: {},
      queuePrefix: '',
      async onSchedule() {
        step = 'schedule';
        throw new Error('scheduled work failed');
      },
      async flushTraces() {
        flushed.push(step);
      },
    };
    const handler = createLambdaHandler(async () => target);

    const http = await handler(toHttpApiEvent({ method: 'GET', url: 'https://fn.example/ok', headers: new Headers() }));
    expect(http.statusCode).toBe(200);
    expect(flushed).toEqual(['http']);

    await expect(handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' })).rejects.toThrow('scheduled work failed');
    expect(flushed).toEqual(['http', 'schedule']);
  });
});

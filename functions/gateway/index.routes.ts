import { Hono } from 'hono';
import { z } from 'zod';
import { ok } from '../../shared/envelope.js';
import type { AppEnv } from '../../shared/http/app-env.js';

/** The platform's API version, shown by `GET /` and the gateway's OpenAPI document. */
export const API_VERSION = '1.0.0';

/** `GET /`: what a newcomer (or a client probing the base URL) finds first. */
export const indexAnswer = z.object({
  name: z.string(),
  version: z.string(),
  links: z.object({ docs: z.string(), openapi: z.string(), health: z.string(), dashboard: z.string() }),
});

export function indexJson(): z.output<typeof indexAnswer> {
  return {
    name: 'notification platform',
    version: API_VERSION,
    links: { docs: '/docs', openapi: '/openapi.json', health: '/health', dashboard: '/dashboard' },
  };
}

/** `GET /` on the gateway: a JSON index of the entry points. */
export function createIndexRoutes(): Hono<AppEnv> {
  return new Hono<AppEnv>().get('/', (c) => ok(c, indexJson(), 'Notification platform API'));
}

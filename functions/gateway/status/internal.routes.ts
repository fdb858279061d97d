import { Hono } from 'hono';
import { z } from 'zod';
import { requireInternalCaller } from '../../../shared/auth/require-internal-caller.js';
import { ok } from '../../../shared/envelope.js';
import { NotFoundError } from '../../../shared/errors.js';
import type { AppEnv } from '../../../shared/http/app-env.js';
import { validate } from '../../../shared/http/validate.js';
import type { NotificationStore } from '../notification-store.js';

const addressParam = z.object({ address: z.email().max(320) });

/**
 * `/internal/v1`: what the delivery workers ask the gateway, which owns the
 * suppression list. `GET /internal/v1/suppressions/:address` answers 200 with
 * the reason when the address must not be mailed, 404 when it may. Never
 * forwarded from the public entry point; 401 without a service credential
 * for the gateway.
 */
export function createGatewayInternalRoutes(deps: { store: NotificationStore; internalSecret: string }): Hono<AppEnv> {
  const routes = new Hono<AppEnv>({ strict: false });
  routes.use('*', requireInternalCaller({ secret: deps.internalSecret, audience: 'gateway' }));
  routes.get('/suppressions/:address', validate('param', addressParam), async (c) => {
    const { address } = c.req.valid('param');
    const found = await deps.store.findSuppression(address);
    if (!found) throw new NotFoundError(`${address} is not suppressed`);
    return ok(c, { address: found.address, reason: found.reason, suppressed_at: found.createdAt.toISOString() });
  });
  return routes;
}

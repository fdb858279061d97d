import { Hono } from 'hono';
import { z } from 'zod';
import { hasScope } from '../../../shared/auth/principal.js';
import { requireAuth } from '../../../shared/auth/require-auth.js';
import { ok } from '../../../shared/envelope.js';
import { NotFoundError } from '../../../shared/errors.js';
import type { AppEnv } from '../../../shared/http/app-env.js';
import { validate } from '../../../shared/http/validate.js';
import type { GatewayAppDeps } from '../gateway-deps.js';
import { fanoutJson } from './fanout-wire.js';

export const fanoutIdParam = z.object({ fanout_id: z.uuid('must be a uuid') });

/** `/api/v1/fanouts/:id`: a fan-out's progress, for the key that sent it (or an admin key). */
export function createFanoutsRoutes(deps: Pick<GatewayAppDeps, 'authenticator' | 'fanouts'>): Hono<AppEnv> {
  const routes = new Hono<AppEnv>({ strict: false });
  routes.get(
    '/:fanout_id',
    requireAuth({ authenticator: deps.authenticator, scope: 'send' }),
    validate('param', fanoutIdParam),
    async (c) => {
      const { fanout_id } = c.req.valid('param');
      const row = await deps.fanouts.store.find(fanout_id);
      const principal = c.var.principal;
      const visible = row && (hasScope(principal, 'admin') || (principal.kind === 'api_key' && principal.keyId === row.apiKeyId));
      if (!visible) throw new NotFoundError(`Fan-out ${fanout_id} not found`);
      return ok(c, fanoutJson(row));
    },
  );
  return routes;
}

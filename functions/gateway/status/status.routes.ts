import { Hono } from 'hono';
import { hasScope, type Principal } from '../../../shared/auth/principal.js';
import { requireAuth } from '../../../shared/auth/require-auth.js';
import { ok } from '../../../shared/envelope.js';
import { NotFoundError } from '../../../shared/errors.js';
import type { AppEnv } from '../../../shared/http/app-env.js';
import { validate } from '../../../shared/http/validate.js';
import { CHANNELS } from '../../../shared/schemas/channels.js';
import type { GatewayAppDeps } from '../gateway-deps.js';
import { externalStatusBody } from '../intake/notification.schemas.js';

/**
 * `POST /api/v1/{email|push}/status`: delivery reports from outside (the
 * original contract), recorded like the workers' reports: appended to the
 * timeline, status moved only forward. Only the key that sent the
 * notification (or an admin key) may report on it; anyone else gets the
 * same 404 as for an id that does not exist, so an answer tells nothing.
 */
export function createStatusRoutes(deps: GatewayAppDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>({ strict: false });
  const sender = requireAuth({ authenticator: deps.authenticator, scope: 'send' });

  for (const channel of CHANNELS) {
    routes.post(`/${channel}/status`, sender, validate('json', externalStatusBody), async (c) => {
      const body = c.req.valid('json');
      const row = await deps.store.find(body.notification_id);
      if (!row || row.channel !== channel || !mayReport(c.var.principal, row.apiKeyId)) {
        throw new NotFoundError(`No ${channel} notification ${body.notification_id}`);
      }
      await deps.recorder.record({
        notification_id: body.notification_id,
        status: body.status,
        timestamp: body.timestamp ?? new Date().toISOString(),
        attempt: 1,
        provider: 'external',
        // the channel it reports on: a notification that fell back to another since is not moved by it
        channel,
        ...(body.error && { error: body.error }),
      });
      const updated = await deps.store.find(body.notification_id);
      return ok(c, { notification_id: body.notification_id, status: updated!.status }, 'Status recorded');
    });
  }
  return routes;
}

function mayReport(principal: Principal, senderKeyId: string): boolean {
  return hasScope(principal, 'admin') || (principal.kind === 'api_key' && principal.keyId === senderKeyId);
}

import { Hono } from 'hono';
import { ok } from '../../shared/envelope.js';
import { NotFoundError } from '../../shared/errors.js';
import type { AppEnv } from '../../shared/http/app-env.js';
import { validate } from '../../shared/http/validate.js';
import type { UserAppDeps } from './user-deps.js';
import { deviceParams, introspectBody, userIdParam } from './user.schemas.js';
import { deliverableDeviceJson, preferencesJson } from './user-wire.js';

/**
 * `/internal/v1`: calls from the other functions (credential checks,
 * recipient lookups, device pruning). The gateway never forwards `/internal`,
 * so these are reachable only inside the deployment's network.
 */
export function createInternalRoutes(deps: UserAppDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>({ strict: false });

  routes.post('/auth/introspect', validate('json', introspectBody), async (c) => {
    const principal = await deps.authenticator.authenticate(c.req.valid('json').credential);
    return ok(c, { principal });
  });

  /** The recipient as the gateway needs it: address, preferences, how many devices. */
  routes.get('/users/:user_id', validate('param', userIdParam), async (c) => {
    const { user_id } = c.req.valid('param');
    const user = await deps.store.findUser(user_id);
    if (!user) throw new NotFoundError(`User ${user_id} not found`);
    const devices = await deps.store.listDevices(user_id);
    return ok(c, {
      id: user.id,
      name: user.name,
      email: user.email,
      preferences: preferencesJson(user.preferences),
      push_device_count: devices.length,
    });
  });

  routes.get('/users/:user_id/devices', validate('param', userIdParam), async (c) => {
    const { user_id } = c.req.valid('param');
    if (!(await deps.store.findUser(user_id))) throw new NotFoundError(`User ${user_id} not found`);
    return ok(c, (await deps.store.listDevices(user_id)).map(deliverableDeviceJson));
  });

  routes.delete('/users/:user_id/devices/:device_id', validate('param', deviceParams), async (c) => {
    const { user_id, device_id } = c.req.valid('param');
    const deleted = await deps.store.deleteDevice(user_id, device_id);
    if (deleted) deps.logger.info({ user_id, device_id }, 'push device pruned');
    return ok(c, { id: device_id, deleted }, deleted ? 'Device pruned' : 'Device was already gone');
  });

  return routes;
}

import { Hono } from 'hono';
import { requireAuth } from '../../../shared/auth/require-auth.js';
import { ok } from '../../../shared/envelope.js';
import { NotFoundError } from '../../../shared/errors.js';
import type { AppEnv } from '../../../shared/http/app-env.js';
import { validate } from '../../../shared/http/validate.js';
import type { UserAppDeps } from '../user-deps.js';
import { deviceParams } from '../users/user.schemas.js';
import { scopedUserId, userScope } from '../users/user-scope.js';
import { deviceJson } from '../users/user-wire.js';
import { pushDeviceBody } from './push-endpoint.js';

/**
 * `/api/v1/users/:user_id/push-subscriptions`: a user's push devices, Web
 * Push subscriptions and mobile tokens. Registering the same device again
 * refreshes its keys (200) instead of adding a copy (201). A user has at
 * most `maxDevicesPerUser` devices: one more is a 409 (`device_limit_reached`).
 */
export function createPushSubscriptionsRoutes(deps: UserAppDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>({ strict: false });
  routes.use('*', requireAuth({ authenticator: deps.authenticator }), userScope());

  const ensureUser = async (id: string) => {
    if (!(await deps.store.findUser(id))) throw new NotFoundError(`User ${id} not found`);
  };

  routes.post('/', validate('json', pushDeviceBody(deps.pushEndpointPolicy)), async (c) => {
    const id = scopedUserId(c);
    await ensureUser(id);
    const body = c.req.valid('json');
    const { device, created } = await deps.store.upsertDevice(
      id,
      'push_token' in body
        ? { kind: 'fcm', address: body.push_token, platform: body.platform ?? null }
        : { kind: 'web_push', address: body.endpoint, p256dh: body.keys.p256dh, auth: body.keys.auth },
      deps.maxDevicesPerUser,
    );
    return created
      ? ok(c, deviceJson(device), 'Push subscription added', 201)
      : ok(c, deviceJson(device), 'Push subscription already registered; keys refreshed');
  });

  routes.get('/', async (c) => {
    const id = scopedUserId(c);
    await ensureUser(id);
    return ok(c, (await deps.store.listDevices(id)).map(deviceJson));
  });

  routes.delete('/:device_id', validate('param', deviceParams), async (c) => {
    const { user_id, device_id } = c.req.valid('param');
    if (!(await deps.store.deleteDevice(user_id, device_id))) {
      throw new NotFoundError(`Push subscription ${device_id} not found for user ${user_id}`);
    }
    return ok(c, { id: device_id, deleted: true }, 'Push subscription removed');
  });

  return routes;
}

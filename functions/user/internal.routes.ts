import { Hono } from 'hono';
import { requireInternalCaller } from '../../shared/auth/require-internal-caller.js';
import { ok } from '../../shared/envelope.js';
import { NotFoundError } from '../../shared/errors.js';
import type { AppEnv } from '../../shared/http/app-env.js';
import { validate } from '../../shared/http/validate.js';
import { recipientsPageQuery, topicKeyParam } from './topics/topic.schemas.js';
import type { UserAppDeps } from './user-deps.js';
import { deviceParams, introspectBody, recipientLookupBody, userIdParam } from './users/user.schemas.js';
import { deliverableDeviceJson } from './users/user-wire.js';

/**
 * `/internal/v1`: calls from the other functions (credential checks,
 * recipient lookups, topic pages for fan-outs, device pruning). The gateway never forwards `/internal`,
 * and every request needs a service credential for the user function: without one, 401 before any route.
 */
export function createInternalRoutes(deps: UserAppDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>({ strict: false });
  routes.use('*', requireInternalCaller({ secret: deps.internalSecret, audience: 'user' }));

  routes.post('/auth/introspect', validate('json', introspectBody), async (c) => {
    const principal = await deps.authenticator.authenticate(c.req.valid('json').credential);
    return ok(c, { principal });
  });

  /** The recipient as the gateway needs it: address, preferences, how many devices. */
  routes.get('/users/:user_id', validate('param', userIdParam), async (c) => {
    const { user_id } = c.req.valid('param');
    const [recipient] = await deps.recipientReader.byIds([user_id]);
    if (!recipient) throw new NotFoundError(`User ${user_id} not found`);
    return ok(c, recipient);
  });

  /** Many recipients at once, by user id and by external id (batch intake); the ones not found are absent. */
  routes.post('/recipients/lookup', validate('json', recipientLookupBody), async (c) => {
    const body = c.req.valid('json');
    const [byId, byExternal] = await Promise.all([
      deps.recipientReader.byIds(body.user_ids),
      deps.recipientReader.byExternalIds(body.external_ids),
    ]);
    const recipients = new Map([...byId, ...byExternal].map((r) => [r.id, r]));
    return ok(c, { recipients: [...recipients.values()] });
  });

  routes.get('/topics/:topic_key', validate('param', topicKeyParam), async (c) => {
    const { topic_key } = c.req.valid('param');
    const topic = await deps.topics.find(topic_key);
    if (!topic) throw new NotFoundError(`Topic ${topic_key} not found`);
    return ok(c, { id: topic.id, topic_key: topic.topicKey, subscriber_count: topic.subscriberCount });
  });

  /** One page of a topic's subscribers as recipients, in user id order: what a fan-out step sends to. */
  routes.get(
    '/topics/:topic_key/recipients',
    validate('param', topicKeyParam),
    validate('query', recipientsPageQuery),
    async (c) => {
      const { topic_key } = c.req.valid('param');
      const { after, limit } = c.req.valid('query');
      const topic = await deps.topics.find(topic_key);
      if (!topic) throw new NotFoundError(`Topic ${topic_key} not found`);
      const recipients = await deps.recipientReader.topicPage(topic.id, after, limit);
      return ok(c, { recipients, next_after: recipients.length === limit ? recipients.at(-1)!.id : null });
    },
  );

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

import { Hono } from 'hono';
import type { Authenticator } from '../../../shared/auth/authenticator.js';
import { requireAuth } from '../../../shared/auth/require-auth.js';
import { ok, okPage, pageMeta } from '../../../shared/envelope.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../../../shared/errors.js';
import type { AppEnv } from '../../../shared/http/app-env.js';
import { offsetOf } from '../../../shared/http/pagination.js';
import { validate } from '../../../shared/http/validate.js';
import type { Logger } from '../../../shared/logging/logger.js';
import type { Queue } from '../../../shared/queue/queue.js';
import { createWebhookBody, updateWebhookBody, webhookDeliveryParam, webhookIdParam, webhooksQuery } from './webhook.schemas.js';
import { createWebhookSecret } from './webhook-secrets.js';
import type { EndpointRow, WebhookStore } from './webhook-store.js';
import { deliveryJson, endpointJson } from './webhook-wire.js';

export interface WebhookRoutesDeps {
  authenticator: Authenticator;
  store: WebhookStore;
  /** Redeliveries are published straight to `webhook`. */
  queue: Pick<Queue, 'publish'>;
  /** Why the outbound policy refuses a URL before any lookup (`blocked_address`, `scheme_not_allowed`), or null. */
  refusal: (url: string) => string | null;
  /** An endpoint was created, changed or deleted (intake's cached subscriptions read again). */
  onEndpointsChanged?: () => void;
  logger: Logger;
}

/**
 * `/api/v1/webhooks` (scope `admin`): the deployment's outbound webhook
 * endpoints, their signing secrets (shown once, at creation and rotation),
 * their delivery log and redelivery of one delivery.
 */
export function createWebhookRoutes(deps: WebhookRoutesDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>({ strict: false });
  routes.use('*', requireAuth({ authenticator: deps.authenticator, scope: 'admin' }));

  const found = (row: EndpointRow | null, id: string): EndpointRow => {
    if (!row) throw new NotFoundError(`Webhook endpoint ${id} not found`);
    return row;
  };
  // every answer about an endpoint carries its health (one shape: the GET's)
  const withHealth = async (rows: EndpointRow[]) => {
    const health = await deps.store.health(rows);
    return rows.map((row) => endpointJson(row, health.get(row.id)!));
  };
  const oneWithHealth = async (row: EndpointRow) => (await withHealth([row]))[0]!;
  const withSecret = async (row: EndpointRow) => ({ ...(await oneWithHealth(row)), secret: row.secret });
  // what can be told without DNS is told now; the resolved address is checked at every send
  const callable = (url: string | undefined) => {
    const refused = url === undefined ? null : deps.refusal(url);
    if (refused) throw new UnprocessableError('url_refused', `The outbound policy refuses this URL (${refused})`);
  };

  // every change of an endpoint is seen at once by this replica's intake
  routes.use('*', async (c, next) => {
    await next();
    if (c.req.method !== 'GET' && c.res.status < 300) deps.onEndpointsChanged?.();
  });

  routes.post('/', validate('json', createWebhookBody), async (c) => {
    const body = c.req.valid('json');
    callable(body.url);
    const row = await deps.store.createEndpoint({
      url: body.url,
      description: body.description ?? null,
      events: body.events,
      secret: createWebhookSecret(),
    });
    deps.logger.info({ endpoint_id: row.id }, 'webhook endpoint created');
    return ok(c, await withSecret(row), 'Webhook endpoint created; keep the secret, it is not shown again', 201);
  });

  routes.get('/', validate('query', webhooksQuery), async (c) => {
    const q = c.req.valid('query');
    const { rows, total } = await deps.store.listEndpoints(offsetOf(q), q.limit);
    return okPage(c, await withHealth(rows), pageMeta(total, q.page, q.limit));
  });

  routes.get('/:id', validate('param', webhookIdParam), async (c) => {
    const { id } = c.req.valid('param');
    return ok(c, await oneWithHealth(found(await deps.store.findEndpoint(id), id)));
  });

  routes.patch('/:id', validate('param', webhookIdParam), validate('json', updateWebhookBody), async (c) => {
    const { id } = c.req.valid('param');
    const changes = c.req.valid('json');
    callable(changes.url);
    return ok(c, await oneWithHealth(found(await deps.store.updateEndpoint(id, changes), id)), 'Webhook endpoint updated');
  });

  routes.delete('/:id', validate('param', webhookIdParam), async (c) => {
    const { id } = c.req.valid('param');
    if (!(await deps.store.deleteEndpoint(id))) throw new NotFoundError(`Webhook endpoint ${id} not found`);
    deps.logger.info({ endpoint_id: id }, 'webhook endpoint deleted');
    return ok(c, { id, deleted: true as const }, 'Webhook endpoint deleted');
  });

  routes.post('/:id/rotate-secret', validate('param', webhookIdParam), async (c) => {
    const { id } = c.req.valid('param');
    const row = found(await deps.store.rotateSecret(id, createWebhookSecret()), id);
    deps.logger.info({ endpoint_id: id }, 'webhook secret rotated');
    return ok(c, await withSecret(row), 'Secret rotated; the old one also signs for 24 hours');
  });

  routes.get('/:id/deliveries', validate('param', webhookIdParam), validate('query', webhooksQuery), async (c) => {
    const { id } = c.req.valid('param');
    const q = c.req.valid('query');
    found(await deps.store.findEndpoint(id), id);
    const { rows, total } = await deps.store.listDeliveries(id, offsetOf(q), q.limit);
    return okPage(c, rows.map(deliveryJson), pageMeta(total, q.page, q.limit));
  });

  routes.post('/:id/deliveries/:delivery_id/redeliver', validate('param', webhookDeliveryParam), async (c) => {
    const { id, delivery_id } = c.req.valid('param');
    const endpoint = found(await deps.store.findEndpoint(id), id);
    const delivery = await deps.store.findDelivery(id, delivery_id);
    if (!delivery) throw new NotFoundError(`Delivery ${delivery_id} not found`);
    if (!endpoint.enabled) throw new ConflictError(`Webhook endpoint ${id} is disabled; enable it first`);
    // sent again even when delivered (the receiver lost it): the same webhook-id and body, so it deduplicates
    await deps.store.markPending(delivery.id);
    await deps.queue.publish('webhook', {
      delivery_id: delivery.id,
      endpoint_id: id,
      notification_id: delivery.notificationId ?? delivery.id,
      event_type: delivery.eventType,
      attempt: 1,
    });
    return ok(c, { ...deliveryJson(delivery), status: 'pending' as const }, 'Redelivery queued', 202);
  });

  return routes;
}

import { type Context, Hono } from 'hono';
import type { Principal } from '../../../shared/auth/principal.js';
import { hasScope } from '../../../shared/auth/principal.js';
import { requireAuth } from '../../../shared/auth/require-auth.js';
import { ok, okPage, pageMeta } from '../../../shared/envelope.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../../shared/errors.js';
import type { AppEnv } from '../../../shared/http/app-env.js';
import { validate } from '../../../shared/http/validate.js';
import { annotateLogContext } from '../../../shared/logging/context.js';
import { activeTraceparent } from '../../../shared/tracing/trace-context.js';
import type { GatewayAppDeps } from '../gateway-deps.js';
import type { NotificationRow } from '../notification-store.js';
import type { IntakeOutcome } from './intake.js';
import { batchBody, listNotificationsQuery, notificationIdParam } from './notification.schemas.js';
import { eventJson, notificationJson, statusJson } from './notification-wire.js';

function setRateLimitHeaders(c: Context<AppEnv>, outcome: Pick<IntakeOutcome, 'rateLimit'>) {
  const state = outcome.rateLimit;
  if (!state) return;
  c.header('RateLimit-Limit', String(state.limit));
  c.header('RateLimit-Remaining', String(state.remaining));
  c.header('RateLimit-Reset', String(Math.ceil(state.resetMs / 1000)));
}

/** Admins see every notification, a send key those it sent, a user token its own. */
function canSee(principal: Principal, row: NotificationRow): boolean {
  if (hasScope(principal, 'admin')) return true;
  if (principal.kind === 'api_key') return principal.keyId === row.apiKeyId;
  return principal.userId === row.userId;
}

/** `/api/v1/notifications`: intake (one or a batch), read with timeline, list, cancel. */
export function createNotificationsRoutes(deps: GatewayAppDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>({ strict: false });
  const sender = requireAuth({ authenticator: deps.authenticator, scope: 'send' });
  const reader = requireAuth({ authenticator: deps.authenticator });

  const keyIdOf = (c: Context<AppEnv>) => {
    const principal = c.var.principal;
    if (principal.kind !== 'api_key') throw new ForbiddenError('Sending needs an API key with scope send');
    return principal.keyId;
  };

  routes.post('/', sender, async (c) => {
    const request = {
      body: await c.req.json().catch(() => undefined),
      idempotencyKey: c.req.header('idempotency-key') || undefined,
      correlationId: c.var.correlationId,
      // the request's span (or the caller's context, tracing off): workers continue this trace
      traceparent: activeTraceparent(),
    };
    if ((request.body as { topic_key?: unknown } | undefined)?.topic_key !== undefined) {
      const fanout = await deps.fanouts.intake(keyIdOf(c), request);
      annotateLogContext({ fanout_id: fanout.body.data.fanout_id });
      if (fanout.replayed) c.header('Idempotent-Replayed', 'true');
      return c.json(fanout.body, fanout.status);
    }
    const outcome = await deps.coalescer.acceptOne(keyIdOf(c), request);
    setRateLimitHeaders(c, outcome);
    const [result] = outcome.results;
    if (result!.error) throw result!.error;
    const notificationId = (result!.body as { data?: { notification_id?: string } }).data?.notification_id;
    if (notificationId) annotateLogContext({ notification_id: notificationId });
    if (result!.replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(result!.body as object, result!.status as 200 | 202);
  });

  routes.post('/batch', sender, validate('json', batchBody), async (c) => {
    const { notifications } = c.req.valid('json');
    const traceparent = activeTraceparent();
    const outcome = await deps.intake.accept(
      keyIdOf(c),
      notifications.map((body) => ({ body, correlationId: c.var.correlationId, traceparent })),
    );
    setRateLimitHeaders(c, outcome);
    const items = outcome.results.map((r, index) => ({
      index,
      status_code: r.status,
      replayed: r.replayed,
      ...(r.body as object),
    }));
    const accepted = outcome.results.filter((r) => r.status < 300).length;
    return c.json(
      {
        success: true,
        data: { accepted, rejected: items.length - accepted, items },
        message: `${accepted} of ${items.length} notifications accepted`,
      },
      207,
    );
  });

  routes.get('/', reader, validate('query', listNotificationsQuery), async (c) => {
    const q = c.req.valid('query');
    const principal = c.var.principal;
    const filter = {
      userId: principal.kind === 'user' ? principal.userId : q.user_id,
      apiKeyId: principal.kind === 'api_key' && !hasScope(principal, 'admin') ? principal.keyId : undefined,
      status: q.status,
      channel: q.notification_type,
    };
    if (principal.kind === 'user' && q.user_id && q.user_id !== principal.userId) {
      throw new ForbiddenError('A user token may only list its own notifications');
    }
    const { rows, total } = await deps.store.list(filter, (q.page - 1) * q.limit, q.limit);
    return okPage(c, rows.map(notificationJson), pageMeta(total, q.page, q.limit));
  });

  const visible = async (c: Context<AppEnv>, id: string) => {
    const row = await deps.store.find(id);
    if (!row || !canSee(c.var.principal, row)) throw new NotFoundError(`Notification ${id} not found`);
    return row;
  };

  routes.get('/:notification_id', reader, validate('param', notificationIdParam), async (c) => {
    const row = await visible(c, c.req.valid('param').notification_id);
    const events = await deps.store.timeline(row.id);
    return ok(c, { ...notificationJson(row), timeline: events.map(eventJson) });
  });

  routes.get('/:notification_id/status', reader, validate('param', notificationIdParam), async (c) => {
    const row = await visible(c, c.req.valid('param').notification_id);
    return ok(c, statusJson(row, await deps.store.timeline(row.id)));
  });

  routes.delete('/:notification_id', sender, validate('param', notificationIdParam), async (c) => {
    const row = await visible(c, c.req.valid('param').notification_id);
    const result = await deps.store.cancel(row.id);
    if (!result) throw new NotFoundError(`Notification ${row.id} not found`);
    if (!result.cancelled) {
      throw new ConflictError(`Notification ${row.id} can no longer be cancelled: it is ${result.status}`, {
        details: { status: result.status },
      });
    }
    return ok(c, { id: row.id, status: 'cancelled' }, 'Notification cancelled');
  });

  return routes;
}

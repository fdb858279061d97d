import { Hono } from 'hono';
import type { Authenticator } from '../../../shared/auth/authenticator.js';
import { requireAuth } from '../../../shared/auth/require-auth.js';
import { ok, okPage, pageMeta } from '../../../shared/envelope.js';
import { NotFoundError } from '../../../shared/errors.js';
import type { AppEnv } from '../../../shared/http/app-env.js';
import { offsetOf } from '../../../shared/http/pagination.js';
import { validate } from '../../../shared/http/validate.js';
import type { SuppressionStore } from './suppression-store.js';
import { suppressionParam, suppressionsQuery } from './suppressions.schemas.js';

/**
 * `/api/v1/suppressions` (scope `admin`): the addresses no mail goes to
 * (hard bounces, complaints), and lifting one, for an address that works
 * again or a report that was wrong.
 */
export function createSuppressionRoutes(deps: { authenticator: Authenticator; suppressions: SuppressionStore }): Hono<AppEnv> {
  const routes = new Hono<AppEnv>({ strict: false });
  routes.use('*', requireAuth({ authenticator: deps.authenticator, scope: 'admin' }));

  routes.get('/', validate('query', suppressionsQuery), async (c) => {
    const q = c.req.valid('query');
    const { rows, total } = await deps.suppressions.list(offsetOf(q), q.limit);
    const data = rows.map((r) => ({ address: r.address, reason: r.reason, created_at: r.createdAt.toISOString() }));
    return okPage(c, data, pageMeta(total, q.page, q.limit));
  });

  routes.delete('/:email', validate('param', suppressionParam), async (c) => {
    const { email } = c.req.valid('param');
    if (!(await deps.suppressions.remove(email))) throw new NotFoundError(`${email} is not suppressed`);
    return ok(c, { address: email.toLowerCase() }, 'Suppression lifted');
  });

  return routes;
}

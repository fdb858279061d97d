import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { createErrorHandler, ok } from '../../../shared/envelope.js';
import { AppError, ForbiddenError, NotFoundError } from '../../../shared/errors.js';
import { createRouteNotFound } from '../../../shared/http/allowed-methods.js';
import type { AppEnv } from '../../../shared/http/app-env.js';
import { correlationId } from '../../../shared/http/correlation-id.js';
import { limitBody } from '../../../shared/http/json-body.js';
import { requestLog } from '../../../shared/http/request-log.js';
import { validate } from '../../../shared/http/validate.js';
import { verifyUnsubscribe } from '../../../shared/unsubscribe-link.js';
import type { UserAppDeps } from '../user-deps.js';

export const UNSUBSCRIBE_PATH = '/api/v1/users/:user_id/unsubscribe';

const linkParams = z.object({ user_id: z.uuid() });
const linkQuery = z.object({
  category: z.string().min(1).max(100),
  expires: z.coerce.number().int().positive(),
  sig: z.string().min(1).max(200),
});

class UnsubscribeLinkExpiredError extends AppError {
  constructor() {
    super('unsubscribe_link_expired', 403, 'This unsubscribe link has expired; use the link of a newer email');
  }
}

type LinkContext = Context<
  AppEnv,
  typeof UNSUBSCRIBE_PATH,
  { out: { param: z.output<typeof linkParams>; query: z.output<typeof linkQuery> } }
>;

/**
 * One-click unsubscribe (RFC 8058), signed by the email function
 * (`shared/unsubscribe-link.ts`). No login: the signature is the credential.
 * - `POST` (what a mail client sends for `List-Unsubscribe-Post`): adds the
 *   category to the user's `opt_out_categories`; 200, also when it was already there.
 * - `GET` (a person following the link, or a link scanner): only describes
 *   the link and asks for a POST, because a GET must never change anything.
 */
export function createUnsubscribeRoutes(deps: UserAppDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>({ strict: false });

  const verified = (c: LinkContext) => {
    const { user_id: userId } = c.req.valid('param');
    const { category, expires, sig } = c.req.valid('query');
    const verdict = verifyUnsubscribe(deps.jwt.secret, { userId, category, expires }, sig);
    if (!verdict.ok) {
      if (verdict.reason === 'expired') throw new UnsubscribeLinkExpiredError();
      throw new ForbiddenError('Invalid unsubscribe link');
    }
    return { userId, category, expires };
  };

  routes.get('/', validate('param', linkParams), validate('query', linkQuery), (c) => {
    const { userId, category, expires } = verified(c);
    return ok(
      c,
      { user_id: userId, category, expires_at: new Date(expires * 1000).toISOString(), method: 'POST' },
      `POST to this URL to stop receiving "${category}" emails`,
    );
  });

  routes.post('/', validate('param', linkParams), validate('query', linkQuery), async (c) => {
    const { userId, category } = verified(c);
    const optOuts = await deps.store.addOptOut(userId, category);
    if (!optOuts) throw new NotFoundError(`User ${userId} not found`);
    deps.logger.info({ user_id: userId, category }, 'user unsubscribed by one-click link');
    return ok(c, { user_id: userId, category, unsubscribed: true, opt_out_categories: optOuts }, 'Unsubscribed');
  });

  return routes;
}

/**
 * Put the unsubscribe routes in front of `app`. Needed because the base app
 * answers 415 to every non-JSON body, and RFC 8058 clients POST
 * `List-Unsubscribe=One-Click` as a form; these routes get the base app's
 * correlation id, request log, body limit and error envelope, but not its
 * JSON-only rule. (Goes away once `createBaseApp` can exempt a route.)
 */
export function withUnsubscribeRoutes(app: Hono<AppEnv>, deps: UserAppDeps): Hono<AppEnv> {
  const outer = new Hono<AppEnv>({ strict: false });
  outer.use(UNSUBSCRIBE_PATH, correlationId(), requestLog(deps.logger), limitBody(deps.bodyLimitBytes));
  outer.route(UNSUBSCRIBE_PATH, createUnsubscribeRoutes(deps));
  outer.route('/', app);
  const handleError = createErrorHandler(deps.logger);
  outer.notFound(createRouteNotFound(outer, handleError));
  outer.onError(handleError);
  return outer;
}

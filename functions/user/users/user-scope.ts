import type { Context, MiddlewareHandler } from 'hono';
import { canActOnUser } from '../../../shared/auth/principal.js';
import { ForbiddenError, ValidationError } from '../../../shared/errors.js';
import type { AppEnv } from '../../../shared/http/app-env.js';
import { toFieldIssues } from '../../../shared/http/validate.js';
import { userIdParam } from './user.schemas.js';

/**
 * Guards `/users/:user_id/...`: the id must be a uuid (400) and the caller
 * that user or an admin (403). Runs after `requireAuth`.
 */
export function userScope(): MiddlewareHandler<AppEnv> {
  return async function userScopeMiddleware(c, next) {
    const parsed = userIdParam.safeParse({ user_id: c.req.param('user_id') });
    if (!parsed.success) throw new ValidationError(toFieldIssues(parsed.error), 'path parameter');
    if (!canActOnUser(c.var.principal, parsed.data.user_id)) {
      throw new ForbiddenError('A user token may only act on its own user');
    }
    await next();
  };
}

/** The `:user_id` of a route guarded by {@link userScope}. */
export function scopedUserId(c: Context<AppEnv>): string {
  return c.req.param('user_id')!;
}

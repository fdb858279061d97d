import { Hono } from 'hono';
import { ok } from '../../shared/envelope.js';
import { RateLimitedError, UnauthorizedError } from '../../shared/errors.js';
import type { AppEnv } from '../../shared/http/app-env.js';
import { validate } from '../../shared/http/validate.js';
import { UNUSABLE_PASSWORD_HASH, verifyPassword } from './password.js';
import type { UserAppDeps } from './user-deps.js';
import { signUserToken } from './user-token.js';
import { loginBody } from './user.schemas.js';

/** `POST /api/v1/auth/login`: email and password for a signed, expiring user token. */
export function createAuthRoutes(deps: UserAppDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>({ strict: false });
  const attemptsPerMinute = deps.loginAttemptsPerMinute ?? 10;

  routes.post('/login', validate('json', loginBody), async (c) => {
    const { email, password } = c.req.valid('json');
    const limit = await deps.cache.hit(`login:${email.toLowerCase()}`, attemptsPerMinute, 60_000);
    if (!limit.allowed) throw new RateLimitedError(Math.ceil(limit.resetMs / 1000), 'Too many login attempts; try later');

    const user = await deps.store.findUserByEmail(email);
    // an unknown email costs a hash check too, so timing does not tell which emails exist
    const valid = await verifyPassword(password, user?.passwordHash ?? UNUSABLE_PASSWORD_HASH);
    if (!user || !valid) throw new UnauthorizedError('Wrong email or password');

    const { token, expiresIn } = await signUserToken(user.id, { secret: deps.jwt.secret, ttlSeconds: deps.jwt.ttlSeconds });
    return ok(c, { access_token: token, token_type: 'Bearer', expires_in: expiresIn, user_id: user.id }, 'Logged in');
  });

  return routes;
}

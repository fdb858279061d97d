import { Hono } from 'hono';
import { ok } from '../../../shared/envelope.js';
import { RateLimitedError, UnauthorizedError } from '../../../shared/errors.js';
import type { AppEnv } from '../../../shared/http/app-env.js';
import { clientAddress } from '../../../shared/http/client-address.js';
import { validate } from '../../../shared/http/validate.js';
import type { UserAppDeps } from '../user-deps.js';
import { loginBody } from '../users/user.schemas.js';
import { signUserToken } from './user-token.js';

/** `POST /api/v1/auth/login`: email and password for a signed, expiring user token. */
export function createAuthRoutes(deps: UserAppDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>({ strict: false });
  const attemptsPerMinute = deps.loginAttemptsPerMinute ?? 10;

  // a hash made at an older cost is replaced now that the password is known; failing that, next time
  const rehash = async (userId: string, previous: string, password: string) => {
    try {
      const upgraded = await deps.store.upgradePasswordHash(userId, previous, await deps.passwords.hash(password));
      if (upgraded) deps.logger.info({ user_id: userId }, 'password rehashed at the configured cost');
    } catch (err) {
      deps.logger.warn({ err, user_id: userId }, 'could not store the rehashed password');
    }
  };

  routes.post('/login', validate('json', loginBody), async (c) => {
    const { email, password } = c.req.valid('json');
    // per email and client: a stranger's guesses spend the stranger's budget, never lock the owner out
    const limit = await deps.cache.hit(`login:${email.toLowerCase()}:${clientAddress(c)}`, attemptsPerMinute, 60_000);
    if (!limit.allowed) {
      throw new RateLimitedError(Math.max(1, Math.ceil(limit.retryAfterMs / 1000)), 'Too many login attempts; try later');
    }

    const user = await deps.store.findUserByEmail(email);
    // an unknown email costs a hash check too, so timing does not tell which emails exist
    const stored = user?.passwordHash ?? deps.passwords.unusableHash;
    const { valid, outdated } = await deps.passwords.verify(password, stored);
    if (!user || !valid) throw new UnauthorizedError('Wrong email or password');
    if (outdated) await rehash(user.id, stored, password);

    const { token, expiresIn } = await signUserToken(
      { userId: user.id, tokenVersion: user.tokenVersion },
      { secret: deps.jwt.secret, ttlSeconds: deps.jwt.ttlSeconds },
    );
    return ok(c, { access_token: token, token_type: 'Bearer', expires_in: expiresIn, user_id: user.id }, 'Logged in');
  });

  return routes;
}

import type { MiddlewareHandler } from 'hono';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import type { AppEnv } from '../http/app-env.js';
import type { Authenticator } from './authenticator.js';
import { hasScope, type Scope } from './principal.js';

/** The credential of a request: `Authorization: Bearer <x>` or `X-API-Key: <x>`. */
export function credentialOf(headers: { header(name: string): string | undefined }): string | undefined {
  const authorization = headers.header('authorization');
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1];
  }
  return headers.header('x-api-key')?.trim() || undefined;
}

export interface RequireAuthOptions {
  authenticator: Authenticator;
  /**
   * When set, only API keys holding this scope (or `admin`) pass and user
   * tokens are refused. When unset, any valid credential passes and the route
   * checks ownership itself (`canActOnUser`).
   */
  scope?: Scope;
}

/** 401 without a valid credential, 403 without the scope; sets `c.var.principal`. */
export function requireAuth(options: RequireAuthOptions): MiddlewareHandler<AppEnv> {
  return async function requireAuthMiddleware(c, next) {
    const credential = credentialOf(c.req);
    if (!credential) throw new UnauthorizedError('Missing credentials: send Authorization: Bearer <key or token>, or X-API-Key');
    const principal = await options.authenticator.authenticate(credential);
    if (!principal) throw new UnauthorizedError('Invalid, expired or revoked credentials');
    if (options.scope && !hasScope(principal, options.scope)) {
      throw new ForbiddenError(`This route needs an API key with scope '${options.scope}'`);
    }
    c.set('principal', principal);
    await next();
  };
}

import type { MiddlewareHandler } from 'hono';
import { sign, verify } from 'hono/jwt';
import type { Authenticator } from '../../../shared/auth/authenticator.js';
import { credentialOf } from '../../../shared/auth/require-auth.js';
import { ForbiddenError, UnauthorizedError } from '../../../shared/errors.js';
import type { AppEnv } from '../../../shared/http/app-env.js';

/** The claim that tells an inbox embed token from a user's login token (`typ: user`), which the user function checks. */
const INBOX_TOKEN_TYPE = 'inbox';

export interface InboxTokensOptions {
  secret: string;
  ttlSeconds: number;
  now?: () => number;
}

/**
 * Inbox embed tokens: HS256 JWTs naming one user, with `typ: inbox`. The
 * customer's backend mints one with its `send` key for the user it is
 * rendering a page for; the token reads and marks that user's inbox and
 * nothing else (the user function refuses it: it accepts `typ: user` only).
 */
export function createInboxTokens(options: InboxTokensOptions) {
  const now = options.now ?? Date.now;
  return {
    async mint(userId: string): Promise<{ token: string; expiresIn: number; expiresAt: Date }> {
      const iat = Math.floor(now() / 1000);
      const exp = iat + options.ttlSeconds;
      const token = await sign({ sub: userId, typ: INBOX_TOKEN_TYPE, iat, exp }, options.secret, 'HS256');
      return { token, expiresIn: options.ttlSeconds, expiresAt: new Date(exp * 1000) };
    },
    /** The user of a valid, unexpired embed token; null for anything else. */
    async verify(token: string): Promise<string | null> {
      try {
        const payload = await verify(token, options.secret, 'HS256');
        return payload.typ === INBOX_TOKEN_TYPE && typeof payload.sub === 'string' ? payload.sub : null;
      } catch {
        return null;
      }
    },
  };
}

export type InboxTokens = ReturnType<typeof createInboxTokens>;

/**
 * The inbox routes' credential: an embed token, or a user's own login token
 * (checked by the user function). Either way the request acts as that one
 * user (`principal` of kind `user`); API keys are refused, since a key is no
 * user and has no inbox.
 */
export function requireInboxUser(deps: { authenticator: Authenticator; tokens: InboxTokens }): MiddlewareHandler<AppEnv> {
  return async function requireInboxUserMiddleware(c, next) {
    const credential = credentialOf(c.req);
    if (!credential) throw new UnauthorizedError('Missing credentials: send Authorization: Bearer <user or inbox token>');
    const embedded = await deps.tokens.verify(credential);
    const principal = embedded ? { kind: 'user' as const, userId: embedded } : await deps.authenticator.authenticate(credential);
    if (!principal) throw new UnauthorizedError('Invalid, expired or revoked credentials');
    if (principal.kind !== 'user') throw new ForbiddenError("The inbox is read with a user's token or an inbox embed token");
    c.set('principal', principal);
    await next();
  };
}

/** The user a request of the inbox routes acts as. */
export function inboxUserOf(c: { get(key: 'principal'): AppEnv['Variables']['principal'] }): string {
  const principal = c.get('principal');
  if (principal.kind !== 'user') throw new ForbiddenError("The inbox is read with a user's token or an inbox embed token");
  return principal.userId;
}

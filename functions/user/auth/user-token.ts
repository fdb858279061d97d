import { sign, verify } from 'hono/jwt';

export interface UserTokenOptions {
  secret: string;
  ttlSeconds: number;
  now?: () => number;
}

/** What a valid user token says: whose it is and the user's token version when it was issued. */
export interface UserTokenClaims {
  userId: string;
  /** `users.token_version` at login; a token whose version is no longer the user's is revoked. */
  tokenVersion: number;
}

/** A signed, expiring HS256 JWT naming one user and its token version (`ver`). */
export async function signUserToken(
  claims: UserTokenClaims,
  options: UserTokenOptions,
): Promise<{ token: string; expiresIn: number }> {
  const iat = Math.floor((options.now ?? Date.now)() / 1000);
  const token = await sign(
    { sub: claims.userId, ver: claims.tokenVersion, typ: 'user', iat, exp: iat + options.ttlSeconds },
    options.secret,
    'HS256',
  );
  return { token, expiresIn: options.ttlSeconds };
}

/**
 * The claims of a token with a valid signature that has not expired; null for
 * anything else. Whether its version is still the user's is the caller's check.
 * A token from before versions existed has none and counts as version 0.
 */
export async function verifyUserToken(token: string, secret: string): Promise<UserTokenClaims | null> {
  try {
    const payload = await verify(token, secret, 'HS256');
    if (payload.typ !== 'user' || typeof payload.sub !== 'string') return null;
    const version = payload.ver ?? 0;
    if (typeof version !== 'number' || !Number.isSafeInteger(version)) return null;
    return { userId: payload.sub, tokenVersion: version };
  } catch {
    return null;
  }
}

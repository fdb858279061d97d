import { sign, verify } from 'hono/jwt';

export interface UserTokenOptions {
  secret: string;
  ttlSeconds: number;
  now?: () => number;
}

/** A signed, expiring HS256 JWT naming one user. */
export async function signUserToken(userId: string, options: UserTokenOptions): Promise<{ token: string; expiresIn: number }> {
  const iat = Math.floor((options.now ?? Date.now)() / 1000);
  const token = await sign({ sub: userId, typ: 'user', iat, exp: iat + options.ttlSeconds }, options.secret, 'HS256');
  return { token, expiresIn: options.ttlSeconds };
}

/** The user id of a valid, unexpired token; null for anything else. */
export async function verifyUserToken(token: string, secret: string): Promise<string | null> {
  try {
    const payload = await verify(token, secret, 'HS256');
    return payload.typ === 'user' && typeof payload.sub === 'string' ? payload.sub : null;
  } catch {
    return null;
  }
}

import { randomUUID } from 'node:crypto';
import type { Cache } from '../cache/cache.js';
import { type CacheSeal, getSealed, setSealed } from '../cache/sealed-values.js';

/**
 * How long a revocation mark stays in the shared cache: longer than any
 * function keeps a principal there, so no entry cached before a revocation
 * outlives the mark that voids it.
 */
export const REVOCATION_MARK_TTL_MS = 60 * 60 * 1000;

const markKey = (userId: string) => `auth:revoked:${userId}`;

/**
 * Port: tells the functions that cache principals of user tokens that a
 * user's tokens were revoked (password changed, account deleted). The user
 * function writes a fresh mark; a cached principal remembers the mark it was
 * cached under and is void once the mark changes. Marks are sealed: one
 * written by anyone else reads as absent.
 */
export interface TokenRevocations {
  /** Record that every token of `userId` issued so far is revoked. */
  revoke(userId: string): Promise<void>;
  /** The user's current mark; null when its tokens were not revoked lately. */
  latest(userId: string): Promise<string | null>;
}

export function createTokenRevocations(deps: { cache: Cache; seal: CacheSeal }): TokenRevocations {
  return {
    revoke: (userId) => setSealed(deps.cache, deps.seal, markKey(userId), randomUUID(), REVOCATION_MARK_TTL_MS),
    latest: (userId) => getSealed<string>(deps.cache, deps.seal, markKey(userId)),
  };
}

/**
 * The subject of something shaped like a user token, read without checking
 * its signature: only to pick which revocation mark to read. Null for anything else.
 */
export function unverifiedTokenSubject(credential: string): string | null {
  const parts = credential.split('.');
  if (parts.length !== 3) return null;
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { sub?: unknown; typ?: unknown };
    return payload.typ === 'user' && typeof payload.sub === 'string' && payload.sub.length <= 100 ? payload.sub : null;
  } catch {
    return null;
  }
}

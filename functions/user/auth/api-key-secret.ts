import { createHash, randomBytes } from 'node:crypto';

const PREFIX = 'nk_';

/** A new API key: shown to its creator once; only {@link hashApiKey} of it is stored. */
export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const key = `${PREFIX}${randomBytes(24).toString('base64url')}`;
  return { key, prefix: key.slice(0, 10), hash: hashApiKey(key) };
}

/** Keys are long random strings, so a fast hash is enough and keeps lookups cheap. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

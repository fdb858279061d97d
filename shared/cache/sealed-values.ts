import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Cache } from './cache.js';

/** Label of the key derivation: the seal's key is never the secret it comes from. */
const KEY_LABEL = 'notification-platform/cache-seal/v1';

/**
 * Port: authenticates what a function keeps in the shared cache about a
 * credential, a recipient or a template. Anyone who can write to Redis can
 * write a value, but not its MAC: an entry whose MAC does not match (forged,
 * or copied from another key) reads as absent, and the caller asks the
 * owning function again.
 */
export interface CacheSeal {
  /** `value` as JSON with a MAC over the cache key and the JSON. */
  seal(key: string, value: unknown): string;
  /** The value `seal(key, ...)` stored, or null when `raw` is absent, malformed or its MAC does not match. */
  open<T>(key: string, raw: string | null): T | null;
}

/** A {@link CacheSeal} whose HMAC-SHA256 key is derived from a server-side secret (JWT_SECRET). */
export function createCacheSeal(secret: string): CacheSeal {
  const macKey = createHmac('sha256', secret).update(KEY_LABEL).digest();
  const mac = (key: string, json: string) => createHmac('sha256', macKey).update(key).update('\n').update(json).digest();
  return {
    seal(key, value) {
      const json = JSON.stringify(value);
      return `${mac(key, json).toString('base64url')}.${json}`;
    },
    open<T>(key: string, raw: string | null): T | null {
      if (raw === null) return null;
      const dot = raw.indexOf('.');
      if (dot < 0) return null;
      const json = raw.slice(dot + 1);
      const given = Buffer.from(raw.slice(0, dot), 'base64url');
      const expected = mac(key, json);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      try {
        return JSON.parse(json) as T;
      } catch {
        return null;
      }
    },
  };
}

/** A sealed value from the cache; null when absent or not sealed by this deployment's key. */
export async function getSealed<T>(cache: Cache, seal: CacheSeal, key: string): Promise<T | null> {
  return seal.open<T>(key, await cache.get(key));
}

/** Store `value` sealed under `key`. */
export function setSealed(cache: Cache, seal: CacheSeal, key: string, value: unknown, ttlMs: number): Promise<void> {
  return cache.set(key, seal.seal(key, value), ttlMs);
}

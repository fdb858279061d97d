import type { RateLimitDecision, RateLimitRequest, RateLimitVerdict } from './rate-limit.js';

export type { RateLimitDecision, RateLimitRequest, RateLimitRule, RateLimitVerdict } from './rate-limit.js';

/**
 * Port: a small shared key-value store for caching, rate limits and
 * idempotency claims. Adapters: Redis (shared by every replica) and memory
 * (one process, for `npm start` and tests). Values are strings; see
 * `getJson`/`setJson` for objects.
 */
export interface Cache {
  get(key: string): Promise<string | null>;
  /** Store `value`; it expires after `ttlMs` when given, never otherwise. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Store `value` only if `key` is absent; true when this call stored it. Atomic across replicas. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  del(key: string): Promise<void>;
  /**
   * Decide rate-limited requests in order, atomically across replicas (one
   * round trip): each is allowed when every rule it names has room in its
   * sliding window, and then counts against each; a refused request counts
   * against none. See `rate-limit.ts`.
   */
  limit(requests: RateLimitRequest[]): Promise<RateLimitVerdict[]>;
  /** One request of `cost` units (default 1) against one sliding window of `limit` per `windowMs`. */
  hit(key: string, limit: number, windowMs: number, cost?: number): Promise<RateLimitDecision>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function getJson<T>(cache: Cache, key: string): Promise<T | null> {
  const raw = await cache.get(key);
  return raw === null ? null : (JSON.parse(raw) as T);
}

export function setJson(cache: Cache, key: string, value: unknown, ttlMs?: number): Promise<void> {
  return cache.set(key, JSON.stringify(value), ttlMs);
}

/** The outcome of one {@link Cache.hit} against a rate limit. */
export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  /** Hits left in the current window (0 when refused). */
  remaining: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

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
   * Count `cost` hits (default 1) against `limit` per `windowMs` (fixed
   * window); atomic across replicas. Refused when the count passes `limit`.
   */
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

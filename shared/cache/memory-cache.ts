import type { Cache, RateLimitDecision } from './cache.js';

interface Entry {
  value: string;
  expiresAt: number;
}

export interface MemoryCacheOptions {
  /** Clock, for tests. */
  now?: () => number;
  /** Most entries kept; the oldest are dropped past it. */
  maxEntries?: number;
}

/** In-process {@link Cache}: the embedded default under `npm start`. Not shared between processes. */
export function createMemoryCache(options: MemoryCacheOptions = {}): Cache {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 100_000;
  const entries = new Map<string, Entry>();

  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  const store = (key: string, value: string, ttlMs?: number) => {
    entries.delete(key);
    entries.set(key, { value, expiresAt: ttlMs === undefined ? Infinity : now() + ttlMs });
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
  };

  return {
    async get(key) {
      return live(key)?.value ?? null;
    },
    async set(key, value, ttlMs) {
      store(key, value, ttlMs);
    },
    async setIfAbsent(key, value, ttlMs) {
      if (live(key)) return false;
      store(key, value, ttlMs);
      return true;
    },
    async del(key) {
      entries.delete(key);
    },
    async hit(key, limit, windowMs, cost = 1): Promise<RateLimitDecision> {
      const t = now();
      const windowKey = `${key}:${Math.floor(t / windowMs)}`;
      const resetMs = windowMs - (t % windowMs);
      const count = Number(live(windowKey)?.value ?? 0) + cost;
      store(windowKey, String(count), resetMs);
      return { allowed: count <= limit, limit, remaining: Math.max(0, limit - count), resetMs };
    },
    async ping() {},
    async close() {
      entries.clear();
    },
  };
}

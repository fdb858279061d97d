/**
 * A small in-process memo in front of the shared cache, for hot read-only
 * lookups (credentials, recipients, template versions): within `ttlMs` a
 * value is served without a round trip to Redis. Keep `ttlMs` short: it is
 * how long one replica may lag a change (a revoked key, a new preference).
 */
export function createLocalMemo<T>(options: {
  ttlMs: number;
  maxEntries?: number;
  now?: () => number;
  /** Which loaded values are memoised (default all); the others are loaded again next time. */
  keep?: (value: T) => boolean;
}) {
  const keep = options.keep ?? (() => true);
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { value: T; expiresAt: number }>();
  const inflight = new Map<string, Promise<T>>();

  return {
    /** The value for `key`: memoised, or loaded once even when many ask at the same time. */
    async get(key: string, load: () => Promise<T>): Promise<T> {
      const hit = entries.get(key);
      if (hit && hit.expiresAt > now()) return hit.value;
      const pending = inflight.get(key);
      if (pending) return pending;
      const loading = load().then(
        (value) => {
          inflight.delete(key);
          entries.delete(key);
          if (!keep(value)) return value;
          entries.set(key, { value, expiresAt: now() + options.ttlMs });
          if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
          return value;
        },
        (err: unknown) => {
          inflight.delete(key);
          throw err;
        },
      );
      inflight.set(key, loading);
      return loading;
    },
    forget(key: string): void {
      entries.delete(key);
    },
  };
}

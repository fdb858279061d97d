import type { Cache } from './cache.js';
import { decideInOrder, liveSlots, planRateLimits, type SlotCounts, singleDecision, WINDOW_SLOTS } from './rate-limit.js';

interface Entry {
  value: string;
  expiresAt: number;
}

export interface MemoryCacheOptions {
  /** Clock, for tests. */
  now?: () => number;
  /** Most look-aside entries (`set`) kept; the oldest are dropped past it. Claims (`setIfAbsent`) never are. */
  maxEntries?: number;
}

/** In-process {@link Cache}: the embedded default under `npm start`. Not shared between processes. */
export function createMemoryCache(options: MemoryCacheOptions = {}): Cache {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 100_000;
  const entries = new Map<string, Entry>();
  // claims and rate-limit counters live apart from the look-aside entries, so no number of cached values
  // can evict them: they leave only when they expire
  const claims = new Map<string, Entry>();
  const counters = new Map<string, { slots: SlotCounts; expiresAt: number }>();
  let sweepAt = 1_000;

  const liveIn = (map: Map<string, Entry>, key: string): Entry | undefined => {
    const entry = map.get(key);
    if (entry && entry.expiresAt <= now()) {
      map.delete(key);
      return undefined;
    }
    return entry;
  };
  const live = (key: string): Entry | undefined => liveIn(claims, key) ?? liveIn(entries, key);
  const store = (key: string, value: string, ttlMs?: number) => {
    claims.delete(key);
    entries.delete(key);
    entries.set(key, { value, expiresAt: ttlMs === undefined ? Infinity : now() + ttlMs });
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
  };

  /** Counters and claims that expired are dropped once their number doubles since the last sweep. */
  const sweep = (t: number) => {
    if (counters.size + claims.size < sweepAt) return;
    for (const [key, counter] of counters) if (counter.expiresAt <= t) counters.delete(key);
    for (const [key, claim] of claims) if (claim.expiresAt <= t) claims.delete(key);
    sweepAt = Math.max(1_000, (counters.size + claims.size) * 2);
  };

  const limit: Cache['limit'] = async (requests) => {
    const t = now();
    const plan = planRateLimits(requests);
    const slotsOf = plan.counters.map((c) => {
      const counter = counters.get(c.key);
      return counter && counter.expiresAt > t ? liveSlots(counter.slots, c.periodMs, t) : [];
    });
    const verdicts = decideInOrder(plan, slotsOf, t);
    plan.counters.forEach((c, i) => {
      const slots = slotsOf[i]!;
      if (slots.length === 0) counters.delete(c.key);
      else counters.set(c.key, { slots, expiresAt: t + c.periodMs + (2 * c.periodMs) / WINDOW_SLOTS });
    });
    sweep(t);
    return verdicts;
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
      entries.delete(key);
      claims.set(key, { value, expiresAt: now() + ttlMs });
      sweep(now());
      return true;
    },
    async del(key) {
      claims.delete(key);
      entries.delete(key);
    },
    limit,
    async hit(key, max, windowMs, cost = 1) {
      const [verdict] = await limit([{ rules: [{ key, limit: max, periodMs: windowMs, cost }] }]);
      return singleDecision(verdict!);
    },
    async ping() {},
    async close() {
      entries.clear();
      claims.clear();
      counters.clear();
    },
  };
}

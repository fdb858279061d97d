import type { Cache } from '../../../shared/cache/cache.js';

/** Waits for a send slot of one provider; shared by every replica through the Cache. */
export interface SendRateLimiter {
  /** Resolves when this send may go; rejects with {@link SendRateExceededError} when no slot comes within the wait budget. */
  acquire(): Promise<void>;
}

export class SendRateExceededError extends Error {
  constructor(readonly waitMs: number) {
    super(`send rate limit: no slot within ${waitMs} ms`);
    this.name = 'SendRateExceededError';
  }
}

export interface SendRateLimiterOptions {
  cache: Cache;
  /** Counter name, e.g. `email:rate:ses` (same on every replica). */
  key: string;
  /** Sends per second allowed for all replicas together; 0 or less: unlimited. Fractions allowed (0.5 = one per 2 s). */
  perSecond: number;
  /** Longest a send waits for a slot before giving up (and being retried through the queue). */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A provider's outbound send rate (SES `MaxSendRate`, a relay's policy) as a
 * sliding window over `Cache.hit`: one atomic decision per send in Redis, so
 * all replicas share the budget, and no burst across a window edge. A
 * refused send (which spends nothing) sleeps until a slot frees instead of
 * failing: short waits are cheaper than a trip through the retry queue.
 */
export function createSendRateLimiter(options: SendRateLimiterOptions): SendRateLimiter {
  if (options.perSecond <= 0) return { acquire: async () => {} };
  const sleep = options.sleep ?? defaultSleep;
  const maxWaitMs = options.maxWaitMs ?? 5_000;
  // a whole number of sends per window: 14/s -> 14 per 1 s; 0.5/s -> 1 per 2 s
  const limit = Math.max(1, Math.floor(options.perSecond));
  const windowMs = Math.round((1000 * limit) / options.perSecond);
  return {
    async acquire() {
      let waited = 0;
      for (;;) {
        const decision = await options.cache.hit(options.key, limit, windowMs);
        if (decision.allowed) return;
        // spread the waiters over a little time rather than all at the millisecond a slot frees
        const pause = decision.retryAfterMs + Math.floor(Math.random() * Math.min(50, windowMs / 4));
        if (waited + pause > maxWaitMs) throw new SendRateExceededError(maxWaitMs);
        await sleep(pause);
        waited += pause;
      }
    },
  };
}

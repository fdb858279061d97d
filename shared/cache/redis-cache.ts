import { Redis } from 'ioredis';
import { ServiceUnavailableError } from '../errors.js';
import type { Cache } from './cache.js';
import { singleDecision } from './rate-limit.js';
import { createRedisRateLimit } from './redis-rate-limit.js';

export interface RedisCacheOptions {
  url: string;
  /** Prefix of every key, so several deployments or test runs share one Redis. */
  keyPrefix?: string;
}

/** Seconds a client is asked to wait while Redis is unreachable (ioredis reconnects within ~2 s). */
const CACHE_RETRY_AFTER_SECONDS = 2;

/**
 * A failed Redis command as a retryable {@link ServiceUnavailableError}: the
 * HTTP error handler answers 503 with Retry-After (not 500), and a queue
 * handler's thrown error is retried through the broker (not dead-lettered).
 */
async function guarded<T>(command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch (err) {
    throw new ServiceUnavailableError('The cache is unavailable; try again shortly', {
      cause: err,
      retryAfterSeconds: CACHE_RETRY_AFTER_SECONDS,
    });
  }
}

/** {@link Cache} on Redis (ioredis): shared by every replica, atomic rate limits and claims. */
export function createRedisCache(options: RedisCacheOptions): Cache {
  const redis = new Redis(options.url, {
    keyPrefix: options.keyPrefix ?? 'notify:',
    lazyConnect: false,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    // commands issued in the same tick share one write: under load most lookups arrive together
    enableAutoPipelining: true,
  });
  // connection errors surface on the commands that need the connection; ioredis reconnects by itself
  redis.on('error', () => {});
  const decide = createRedisRateLimit(redis);
  const limit: Cache['limit'] = (requests) => guarded(() => decide(requests));

  return {
    async get(key) {
      return guarded(() => redis.get(key));
    },
    async set(key, value, ttlMs) {
      await guarded(() =>
        ttlMs === undefined ? redis.set(key, value) : redis.set(key, value, 'PX', Math.max(1, Math.ceil(ttlMs))),
      );
    },
    async setIfAbsent(key, value, ttlMs) {
      return (await guarded(() => redis.set(key, value, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX'))) === 'OK';
    },
    async del(key) {
      await guarded(() => redis.del(key));
    },
    limit,
    async hit(key, max, windowMs, cost = 1) {
      const [verdict] = await limit([{ rules: [{ key, limit: max, periodMs: windowMs, cost }] }]);
      return singleDecision(verdict!);
    },
    async ping() {
      await guarded(() => redis.ping());
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

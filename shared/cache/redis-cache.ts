import { Redis } from 'ioredis';
import type { Cache, RateLimitDecision } from './cache.js';

export interface RedisCacheOptions {
  url: string;
  /** Prefix of every key, so several deployments or test runs share one Redis. */
  keyPrefix?: string;
}

// INCRBY and PEXPIRE in one step, so a crash between them cannot leave a counter that never expires
const HIT_SCRIPT = `
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
if count == tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('PTTL', KEYS[1])}
`;

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

  return {
    async get(key) {
      return redis.get(key);
    },
    async set(key, value, ttlMs) {
      if (ttlMs === undefined) await redis.set(key, value);
      else await redis.set(key, value, 'PX', Math.max(1, Math.ceil(ttlMs)));
    },
    async setIfAbsent(key, value, ttlMs) {
      return (await redis.set(key, value, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX')) === 'OK';
    },
    async del(key) {
      await redis.del(key);
    },
    async hit(key, limit, windowMs, cost = 1): Promise<RateLimitDecision> {
      const windowKey = `${key}:${Math.floor(Date.now() / windowMs)}`;
      const [count, pttl] = (await redis.eval(HIT_SCRIPT, 1, windowKey, String(windowMs), String(cost))) as [number, number];
      return { allowed: count <= limit, limit, remaining: Math.max(0, limit - count), resetMs: pttl > 0 ? pttl : windowMs };
    },
    async ping() {
      await redis.ping();
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

// @requires REDIS_URL
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cacheContract } from './cache.contract.js';
import { createRedisCache } from './redis-cache.js';

const url = process.env.REDIS_URL!;

describe('redis cache', () => {
  cacheContract('redis', () => createRedisCache({ url: url, keyPrefix: `test:${randomUUID()}:` }));

  it('fails loudly, not silently, when Redis is unreachable', async () => {
    const cache = createRedisCache({ url: 'redis://127.0.0.1:1' });
    await expect(cache.get('x')).rejects.toThrow();
    await cache.close();
  });
});

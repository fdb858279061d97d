// @requires REDIS_URL
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cacheContract } from './cache.contract.js';
import { createRedisCache } from './redis-cache.js';

const url = process.env.REDIS_URL!;

describe('redis cache', () => {
  cacheContract('redis', () => createRedisCache({ url: url, keyPrefix: `test:${randomUUID()}:` }));

  it('rate limits atomically across replicas (separate connections)', async () => {
    const prefix = `test:${randomUUID()}:`;
    const replicas = [createRedisCache({ url, keyPrefix: prefix }), createRedisCache({ url, keyPrefix: prefix })];
    const decisions = await Promise.all(Array.from({ length: 60 }, (_, i) => replicas[i % 2]!.hit('shared', 25, 60_000)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(25);
    await Promise.all(replicas.map((r) => r.close()));
  });

  it('fails loudly, not silently, when Redis is unreachable', async () => {
    const cache = createRedisCache({ url: 'redis://127.0.0.1:1' });
    // retryable 503, so intake answers Retry-After and a worker retries instead of dead-lettering
    await expect(cache.get('x')).rejects.toMatchObject({ status: 503, retryable: true, code: 'service_unavailable' });
    await expect(cache.hit('k', 1, 1000)).rejects.toMatchObject({ status: 503 });
    await cache.close();
  });
});

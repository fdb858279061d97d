import { describe, expect, it } from 'vitest';
import { cacheContract } from './cache.contract.js';
import { createMemoryCache } from './memory-cache.js';

cacheContract('memory', () => createMemoryCache());

describe('memory cache', () => {
  it('drops the oldest entries past maxEntries', async () => {
    const cache = createMemoryCache({ maxEntries: 2 });
    await cache.set('a', '1');
    await cache.set('b', '2');
    await cache.set('c', '3');
    expect(await cache.get('a')).toBeNull();
    expect(await cache.get('c')).toBe('3');
  });

  it('opens a new rate-limit window when the clock moves past the old one', async () => {
    let t = 1_000_000;
    const cache = createMemoryCache({ now: () => t });
    expect((await cache.hit('k', 1, 1000)).allowed).toBe(true);
    expect((await cache.hit('k', 1, 1000)).allowed).toBe(false);
    t += 1000;
    expect((await cache.hit('k', 1, 1000)).allowed).toBe(true);
  });
});

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

  it('gives a hit back once it is a whole window old, and not before', async () => {
    let t = 1_000_000;
    const cache = createMemoryCache({ now: () => t });
    expect((await cache.hit('k', 2, 1000)).allowed).toBe(true);
    t += 500;
    expect((await cache.hit('k', 2, 1000)).allowed).toBe(true);
    expect((await cache.hit('k', 2, 1000)).allowed).toBe(false);
    // the first hit's slot (a 60th of the window) leaves at 1000 ms + one slot
    t += 500;
    const early = await cache.hit('k', 2, 1000);
    expect(early.allowed).toBe(false);
    expect(early.retryAfterMs).toBeLessThanOrEqual(Math.ceil(1000 / 60));
    t += early.retryAfterMs;
    expect((await cache.hit('k', 2, 1000)).allowed).toBe(true);
    expect((await cache.hit('k', 2, 1000)).allowed).toBe(false);
    t += 500;
    expect((await cache.hit('k', 2, 1000)).allowed).toBe(true);
  });

  it('never lets more than the limit through in any stretch of one window (random traffic)', async () => {
    let t = 5_000_000;
    const cache = createMemoryCache({ now: () => t });
    const allowedAt: number[] = [];
    for (let i = 0; i < 3_000; i++) {
      t += Math.floor(Math.random() * 40);
      if ((await cache.hit('k', 20, 1000)).allowed) allowedAt.push(t);
    }
    for (let i = 20; i < allowedAt.length; i++) expect(allowedAt[i]! - allowedAt[i - 20]!).toBeGreaterThanOrEqual(1000);
    expect(allowedAt.length).toBeGreaterThan(20 * ((t - 5_000_000) / 1000) * 0.9);
  });

  it('keeps rate-limit counters apart from cached entries: filling the cache evicts none', async () => {
    const cache = createMemoryCache({ maxEntries: 10 });
    await cache.hit('login:ada', 1, 60_000);
    for (let i = 0; i < 100; i++) await cache.set(`junk:${i}`, 'x');
    expect((await cache.hit('login:ada', 1, 60_000)).allowed).toBe(false);
  });
});

describe('memory cache claims', () => {
  it('keeps claims apart from cached entries: filling the cache evicts none, and a claim still refuses a second one', async () => {
    const cache = createMemoryCache({ maxEntries: 10 });
    expect(await cache.setIfAbsent('done:n-1', '1', 60_000)).toBe(true);
    for (let i = 0; i < 100; i++) await cache.set(`junk:${i}`, 'x', 60_000);
    expect(await cache.get('done:n-1')).toBe('1');
    expect(await cache.setIfAbsent('done:n-1', '2', 60_000)).toBe(false);
  });

  it('a claim leaves when it expires, and a set or del replaces it', async () => {
    let t = 1_000;
    const cache = createMemoryCache({ now: () => t });
    expect(await cache.setIfAbsent('c', '1', 100)).toBe(true);
    t += 100;
    expect(await cache.get('c')).toBeNull();
    expect(await cache.setIfAbsent('c', '2', 100)).toBe(true);
    await cache.set('c', '3');
    expect(await cache.get('c')).toBe('3');
    await cache.del('c');
    expect(await cache.get('c')).toBeNull();
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, setJson, type Cache } from './cache.js';

/** The behaviour every {@link Cache} adapter must show. Called by each adapter's test file. */
export function cacheContract(name: string, make: () => Promise<Cache> | Cache): void {
  describe(`Cache contract: ${name}`, () => {
    let cache: Cache;
    const key = (suffix: string) => `contract:${randomUUID()}:${suffix}`;

    beforeAll(async () => {
      cache = await make();
    });
    afterAll(async () => {
      await cache.close();
    });

    it('returns what was set, and null for a missing key', async () => {
      const k = key('a');
      expect(await cache.get(k)).toBeNull();
      await cache.set(k, 'value');
      expect(await cache.get(k)).toBe('value');
    });

    it('forgets a value after its ttl', async () => {
      const k = key('ttl');
      await cache.set(k, 'short', 30);
      expect(await cache.get(k)).toBe('short');
      await expect.poll(() => cache.get(k), { timeout: 2000, interval: 20 }).toBeNull();
    });

    it('deletes', async () => {
      const k = key('del');
      await cache.set(k, 'x');
      await cache.del(k);
      expect(await cache.get(k)).toBeNull();
    });

    it('round-trips JSON', async () => {
      const k = key('json');
      await setJson(cache, k, { user_id: 'u1', tags: [1, 2] });
      expect(await getJson(cache, k)).toEqual({ user_id: 'u1', tags: [1, 2] });
    });

    it('setIfAbsent lets exactly one of many concurrent claims win', async () => {
      const k = key('claim');
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => cache.setIfAbsent(k, String(i), 10_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await cache.get(k)).toBe(String(results.indexOf(true)));
    });

    it('rate limits: allows `limit` hits in a window, then refuses with the time to reset', async () => {
      const k = key('rl');
      const decisions = await Promise.all(Array.from({ length: 8 }, () => cache.hit(k, 5, 60_000)));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
      const refused = decisions.filter((d) => !d.allowed);
      expect(refused).toHaveLength(3);
      for (const d of refused) {
        expect(d.remaining).toBe(0);
        expect(d.resetMs).toBeGreaterThan(0);
        expect(d.resetMs).toBeLessThanOrEqual(60_000);
      }
      expect(Math.min(...decisions.map((d) => d.remaining))).toBe(0);
    });

    it('rate limits keys independently', async () => {
      const a = key('rl-a');
      const b = key('rl-b');
      await cache.hit(a, 1, 60_000);
      expect((await cache.hit(a, 1, 60_000)).allowed).toBe(false);
      expect((await cache.hit(b, 1, 60_000)).allowed).toBe(true);
    });

    it('counts a weighted hit as that many hits', async () => {
      const k = key('rl-cost');
      expect((await cache.hit(k, 10, 60_000, 7)).remaining).toBe(3);
      expect((await cache.hit(k, 10, 60_000, 4)).allowed).toBe(false);
    });

    it('answers ping', async () => {
      await expect(cache.ping()).resolves.toBeUndefined();
    });
  });
}

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Cache, getJson, setJson } from './cache.js';

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
        // a hit counts until its slot (a 60th of the window) is a whole window old
        expect(d.resetMs).toBeLessThanOrEqual(60_000 + 1_000);
        expect(d.retryAfterMs).toBeGreaterThan(0);
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

    it('rate limits: a refused hit spends no budget', async () => {
      const k = key('rl-refused');
      expect((await cache.hit(k, 3, 60_000, 2)).allowed).toBe(true);
      const refused = await cache.hit(k, 3, 60_000, 2);
      expect(refused).toMatchObject({ allowed: false, remaining: 1 });
      // a fixed-window counter had counted the refused 2 as well, and refused this one
      expect(await cache.hit(k, 3, 60_000, 1)).toMatchObject({ allowed: true, remaining: 0 });
    });

    it('rate limits: decides the requests of one call in order, each on its own', async () => {
      const sender = key('rl-sender');
      const ada = key('rl-ada');
      const bob = key('rl-bob');
      const rules = (recipient: string) => ({
        rules: [
          { key: sender, limit: 3, periodMs: 60_000 },
          { key: recipient, limit: 1, periodMs: 60_000 },
        ],
      });
      const verdicts = await cache.limit([rules(ada), rules(ada), rules(bob), rules(bob), rules(ada)]);
      expect(verdicts.map((v) => v.allowed)).toEqual([true, false, true, false, false]);
      // the second request was refused by its recipient, not by the sender (which had room)
      expect(verdicts[1]!.decisions.map((d) => d.allowed)).toEqual([true, false]);
      expect(verdicts[1]!.decisions[1]!.retryAfterMs).toBeGreaterThan(0);
      // refused requests spent none of the sender's 3: one is left
      expect(verdicts[4]!.decisions[0]).toMatchObject({ remaining: 1 });
      const [later] = await cache.limit([{ rules: [{ key: sender, limit: 3, periodMs: 60_000 }] }]);
      expect(later).toMatchObject({ allowed: true, decisions: [{ remaining: 0 }] });
    });

    it('rate limits: a request after a refused one it depends on is refused too, spending nothing', async () => {
      const whole = key('rl-whole');
      const each = key('rl-each');
      const verdicts = await cache.limit([
        { rules: [{ key: whole, limit: 2, periodMs: 60_000, cost: 5 }] },
        { rules: [{ key: each, limit: 10, periodMs: 60_000 }], onlyAfter: 0 },
      ]);
      expect(verdicts.map((v) => v.allowed)).toEqual([false, false]);
      expect((await cache.hit(each, 10, 60_000)).remaining).toBe(9);
      expect((await cache.hit(whole, 2, 60_000, 2)).allowed).toBe(true);
    });

    it('rate limits: no double the limit across a window boundary', async () => {
      // a fixed window of 6 s let 3 hits just before its edge and 3 more just after it
      const k = key('rl-edge');
      const period = 6_000;
      await vi.waitFor(
        () => {
          if (Date.now() % period < period - 500) throw new Error('not yet near a boundary');
        },
        { timeout: period + 1_000, interval: 10 },
      );
      const before = await Promise.all(Array.from({ length: 3 }, () => cache.hit(k, 3, period)));
      await vi.waitFor(
        () => {
          if (Date.now() % period >= period - 500) throw new Error('not past the boundary yet');
        },
        { timeout: 2_000, interval: 10 },
      );
      const after = await Promise.all(Array.from({ length: 3 }, () => cache.hit(k, 3, period)));
      expect(before.map((d) => d.allowed)).toEqual([true, true, true]);
      expect(after.map((d) => d.allowed)).toEqual([false, false, false]);
      expect(Math.min(...after.map((d) => d.retryAfterMs))).toBeGreaterThan(0);
    }, 15_000);

    it('answers ping', async () => {
      await expect(cache.ping()).resolves.toBeUndefined();
    });
  });
}

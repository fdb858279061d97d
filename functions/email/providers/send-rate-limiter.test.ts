import { describe, expect, it } from 'vitest';
import { createMemoryCache } from '../../../shared/cache/memory-cache.js';
import { createSendRateLimiter, SendRateExceededError } from './send-rate-limiter.js';

describe('send rate limiter over the Cache', () => {
  it('lets `perSecond` sends through per window, then waits for the next window', async () => {
    let now = 10_000;
    const cache = createMemoryCache({ now: () => now });
    const waits: number[] = [];
    const limiter = createSendRateLimiter({
      cache,
      key: 'rate:test',
      perSecond: 2,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
    });

    await limiter.acquire();
    await limiter.acquire();
    expect(waits).toEqual([]);
    await limiter.acquire();

    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(1000);
  });

  it('gives up past its wait budget, and 0 means unlimited', async () => {
    const cache = createMemoryCache({ now: () => 0 });
    const limiter = createSendRateLimiter({ cache, key: 'rate:slow', perSecond: 1, maxWaitMs: 100, sleep: async () => {} });
    await limiter.acquire();
    await expect(limiter.acquire()).rejects.toBeInstanceOf(SendRateExceededError);

    const unlimited = createSendRateLimiter({ cache, key: 'rate:none', perSecond: 0 });
    await Promise.all(Array.from({ length: 100 }, () => unlimited.acquire()));
  });

  it('a fractional rate spreads sends over longer windows', async () => {
    let now = 0;
    const waits: number[] = [];
    const limiter = createSendRateLimiter({
      cache: createMemoryCache({ now: () => now }),
      key: 'rate:half',
      perSecond: 0.5,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
    });
    await limiter.acquire();
    await limiter.acquire();
    expect(waits[0]).toBeGreaterThanOrEqual(2000);
  });
});

import { describe, expect, it } from 'vitest';
import { cachedCheck } from './cached-check.js';

describe('cachedCheck', () => {
  it('calls the dependency once per ttl, reusing an answer up or down', async () => {
    let t = 0;
    let calls = 0;
    let down = false;
    const check = cachedCheck(
      async () => {
        calls++;
        if (down) throw new Error('refused');
      },
      5_000,
      () => t,
    );
    await Promise.all([check(), check(), check()]);
    expect(calls).toBe(1);
    down = true;
    t = 4_999;
    await expect(check()).resolves.toBeUndefined();
    t = 5_000;
    await expect(check()).rejects.toThrow('refused');
    await expect(check()).rejects.toThrow('refused');
    expect(calls).toBe(2);
  });
});

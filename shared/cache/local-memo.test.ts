import { describe, expect, it } from 'vitest';
import { createLocalMemo } from './local-memo.js';

describe('local memo', () => {
  it('serves a value within its ttl without loading again, and reloads after', async () => {
    let t = 0;
    let loads = 0;
    const memo = createLocalMemo<number>({ ttlMs: 100, now: () => t });
    const load = async () => ++loads;
    expect(await memo.get('k', load)).toBe(1);
    t = 99;
    expect(await memo.get('k', load)).toBe(1);
    t = 100;
    expect(await memo.get('k', load)).toBe(2);
  });

  it('loads once for many concurrent callers', async () => {
    let loads = 0;
    const memo = createLocalMemo<number>({ ttlMs: 1000 });
    const values = await Promise.all(Array.from({ length: 20 }, () => memo.get('k', async () => ++loads)));
    expect(values.every((v) => v === 1)).toBe(true);
    expect(loads).toBe(1);
  });

  it('does not keep a failed load', async () => {
    const memo = createLocalMemo<number>({ ttlMs: 1000 });
    await expect(memo.get('k', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await memo.get('k', async () => 7)).toBe(7);
  });

  it('drops the oldest entries past maxEntries', async () => {
    let loads = 0;
    const memo = createLocalMemo<number>({ ttlMs: 1000, maxEntries: 2 });
    for (const k of ['a', 'b', 'c']) await memo.get(k, async () => ++loads);
    await memo.get('a', async () => ++loads);
    expect(loads).toBe(4);
  });
});

import { describe, expect, it } from 'vitest';
import { createCacheSeal } from './sealed-values.js';

describe('cache seal', () => {
  const seal = createCacheSeal('a secret of this deployment');

  it('opens what it sealed under the same key', () => {
    expect(seal.open('k', seal.seal('k', { a: 1 }))).toEqual({ a: 1 });
  });

  it('refuses a value sealed under another key, by another secret, tampered, unsealed or malformed', () => {
    const sealed = seal.seal('user:recipient:1', { email: 'ada@example.com' });
    expect(seal.open('user:recipient:2', sealed)).toBeNull();
    expect(createCacheSeal('another secret').open('user:recipient:1', sealed)).toBeNull();
    expect(seal.open('user:recipient:1', sealed.replace('ada@', 'eve@'))).toBeNull();
    expect(seal.open('k', JSON.stringify({ email: 'eve@example.com' }))).toBeNull();
    expect(seal.open('k', 'no-dot')).toBeNull();
    expect(seal.open('k', null)).toBeNull();
  });
});

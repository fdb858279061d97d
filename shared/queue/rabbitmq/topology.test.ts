import { describe, expect, it } from 'vitest';
import { MAX_PRIORITY } from '../../messages.js';
import { BROKER_PRIORITY_BANDS, brokerPriority } from './topology.js';

describe('broker priority bands', () => {
  it('maps the catalog range 0..MAX_PRIORITY onto the bands, keeping order', () => {
    const bands = Array.from({ length: MAX_PRIORITY + 1 }, (_, p) => brokerPriority(p));
    expect(bands).toEqual([0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2]);
    expect(Math.max(...bands)).toBe(BROKER_PRIORITY_BANDS);
  });
});

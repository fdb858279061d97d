import { describe, expect, it } from 'vitest';
import { createWakeableSleep } from './wakeable-sleep.js';

const LONG = 60_000;
/** Whether `promise` settled within a few event-loop turns (a long sleep never does). */
const settlesSoon = (promise: Promise<void>) =>
  Promise.race([promise.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 50))]);

describe('wakeable sleep', () => {
  it('a nudge ends the current sleep', async () => {
    const pause = createWakeableSleep();
    const sleeping = pause.sleep(LONG);
    pause.nudge();
    expect(await settlesSoon(sleeping)).toBe(true);
  });

  it('a nudge while the loop is busy ends its next sleep at once, until the next round begins', async () => {
    const pause = createWakeableSleep();
    pause.nudge();
    expect(pause.nudged).toBe(true);
    expect(await settlesSoon(pause.sleep(LONG))).toBe(true);
    pause.beginRound();
    expect(pause.nudged).toBe(false);
    const next = pause.sleep(LONG);
    expect(await settlesSoon(next)).toBe(false);
    pause.interrupt();
    expect(await settlesSoon(next)).toBe(true);
  });

  it('an interrupt ends the current sleep only', async () => {
    const pause = createWakeableSleep();
    pause.interrupt();
    const sleeping = pause.sleep(LONG);
    expect(await settlesSoon(sleeping)).toBe(false);
    pause.interrupt();
    expect(await settlesSoon(sleeping)).toBe(true);
  });
});

/**
 * The pause of a polling loop (the outbox relay, the fan-out worker) that
 * new work cuts short: `sleep(ms)` resolves after `ms`, or at once on
 * `nudge()`. A nudge that comes while the loop is busy is kept, so the next
 * sleep returns at once and no work waits a whole interval; `beginRound()`
 * spends it when the loop starts looking for work.
 */
export function createWakeableSleep() {
  let wake: (() => void) | undefined;
  let nudged = false;
  return {
    sleep(ms: number): Promise<void> {
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
        wake = done;
        if (nudged) done();
      });
    },
    /** There is work: end the current sleep, or the next one. */
    nudge(): void {
      nudged = true;
      wake?.();
    },
    /** End the current sleep only (a stop: the loop checks whether it still runs). */
    interrupt(): void {
      wake?.();
    },
    /** The loop looks for work now: nudges so far are answered by this round. */
    beginRound(): void {
      nudged = false;
    },
    /** A nudge is waiting for the loop. */
    get nudged(): boolean {
      return nudged;
    },
  };
}

import type { Logger } from '../logging/logger.js';
import { createWakeableSleep } from './wakeable-sleep.js';

export interface PollingLoopOptions {
  /**
   * One round of work. Returns how long to sleep before the next round (0:
   * go on at once); `keepGoing` turns false once the loop is stopping.
   */
  round(keepGoing: () => boolean): Promise<number>;
  logger: Logger;
  /** What a failed round logs; the loop backs off (100 ms, doubling) and tries again. */
  failure: string;
  /** Longest wait between tries while a round keeps failing (the database is down). */
  maxBackoffMs?: number;
}

/** A background loop of rounds that `nudge()` wakes early and `stop()` ends after the round in hand. */
export interface PollingLoop {
  start(): void;
  /** There is work: end the current sleep, or skip the next one. */
  nudge(): void;
  stop(): Promise<void>;
}

/**
 * The loop the gateway's workers share (fan-outs, workflow runs): rounds
 * while running, a sleep between them that new work cuts short
 * (`shared/runtime/wakeable-sleep.ts`), and a growing backoff while rounds fail.
 */
export function createPollingLoop(options: PollingLoopOptions): PollingLoop {
  const maxBackoffMs = options.maxBackoffMs ?? 5_000;
  const pause = createWakeableSleep();
  let running = false;
  let loop: Promise<void> | undefined;

  async function run(): Promise<void> {
    let backoff = 100;
    while (running) {
      pause.beginRound();
      try {
        const sleepMs = await options.round(() => running);
        backoff = 100;
        if (sleepMs > 0) await pause.sleep(sleepMs);
      } catch (err) {
        options.logger.warn({ err, retry_in_ms: backoff }, options.failure);
        await pause.sleep(backoff);
        backoff = Math.min(maxBackoffMs, backoff * 2);
      }
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    nudge() {
      pause.nudge();
    },
    async stop() {
      running = false;
      pause.interrupt();
      await loop;
    },
  };
}

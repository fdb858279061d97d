import { ROUTING_KEYS, type RoutingKey } from '../messages.js';
import type { KeyStats } from './queue.js';

/** Per-process counters behind `stats()`: in flight and dead-lettered per routing key. */
export interface KeyCounters {
  taken(key: RoutingKey): void;
  settled(key: RoutingKey): void;
  deadLettered(key: RoutingKey): void;
  snapshot(depth: Record<RoutingKey, number>): Record<RoutingKey, KeyStats>;
}

export function createKeyCounters(): KeyCounters {
  const inFlight = Object.fromEntries(ROUTING_KEYS.map((k) => [k, 0])) as Record<RoutingKey, number>;
  const dead = { ...inFlight };
  return {
    taken: (key) => void inFlight[key]++,
    settled: (key) => void inFlight[key]--,
    deadLettered: (key) => void dead[key]++,
    snapshot: (depth) =>
      Object.fromEntries(
        ROUTING_KEYS.map((k) => [k, { depth: depth[k], inFlight: inFlight[k], deadLettered: dead[k] }]),
      ) as Record<RoutingKey, KeyStats>,
  };
}

/** Resolves when `isIdle()` holds; checked whenever `notify` is called. Used by `Consumer.stop()` to drain. */
export function createIdleWaiter(isIdle: () => boolean): { notify(): void; wait(): Promise<void> } {
  let waiters: Array<() => void> = [];
  return {
    notify() {
      if (!isIdle() || waiters.length === 0) return;
      const ready = waiters;
      waiters = [];
      for (const resolve of ready) resolve();
    },
    wait() {
      if (isIdle()) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}

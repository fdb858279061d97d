/**
 * Rate limits as sliding windows: at most `limit` units in any `periodMs`,
 * with no window edge to burst across. A window is kept as
 * {@link WINDOW_SLOTS} slots of `periodMs / WINDOW_SLOTS` each; a hit counts
 * until its slot is a whole period old, so it counts for between `periodMs`
 * and `periodMs * (1 + 1 / WINDOW_SLOTS)`: never less, so no stretch of
 * `periodMs` ever holds more than `limit`.
 *
 * Requests are decided in order, each on its own: a request is allowed when
 * every rule it names fits, and then counts against each; a refused request
 * counts against none. Both adapters run this algorithm (the memory one in
 * {@link decideInOrder}, the Redis one as a Lua script over the same plan).
 */

export const WINDOW_SLOTS = 60;

/** One limit a request must fit. */
export interface RateLimitRule {
  /** The counter, e.g. `rl:key:<id>`; one key always has the same limit and period. */
  key: string;
  limit: number;
  periodMs: number;
  /** Units this request takes; default 1. */
  cost?: number;
}

export interface RateLimitRequest {
  rules: RateLimitRule[];
  /** Refused unless the request at this index (earlier in the same call) was allowed. */
  onlyAfter?: number;
}

/** One rule's state as its request was decided. */
export interface RateLimitDecision {
  /** Whether this rule had room for the request (the request itself may still be refused by another rule). */
  allowed: boolean;
  limit: number;
  /** Units left in the window after this request (before it, when the request was refused). */
  remaining: number;
  /** Milliseconds until the units counted now have all left the window. */
  resetMs: number;
  /** Milliseconds until this rule would have room for the request (0 when it has). */
  retryAfterMs: number;
}

export interface RateLimitVerdict {
  allowed: boolean;
  /** One per rule of the request, in its order. */
  decisions: RateLimitDecision[];
}

/** A call's requests with their counters numbered: what an adapter decides over. */
export interface RateLimitPlan {
  counters: Array<{ key: string; limit: number; periodMs: number }>;
  requests: Array<{ onlyAfter: number; rules: Array<{ counter: number; cost: number }> }>;
}

/** Number the distinct counters of `requests` (the Redis script gets them as its KEYS). */
export function planRateLimits(requests: RateLimitRequest[]): RateLimitPlan {
  const counters: RateLimitPlan['counters'] = [];
  const indexOf = new Map<string, number>();
  const planned = requests.map((request, i) => {
    if (request.onlyAfter !== undefined && !(request.onlyAfter >= 0 && request.onlyAfter < i)) {
      throw new RangeError(`onlyAfter of request ${i} must name an earlier request`);
    }
    return {
      onlyAfter: request.onlyAfter ?? -1,
      rules: request.rules.map((rule) => {
        let counter = indexOf.get(rule.key);
        if (counter === undefined) {
          counter = counters.push({ key: rule.key, limit: rule.limit, periodMs: rule.periodMs }) - 1;
          indexOf.set(rule.key, counter);
        }
        return { counter, cost: rule.cost ?? 1 };
      }),
    };
  });
  return { counters, requests: planned };
}

/** The hits a counter holds: `[slot, units]`, oldest slot first. */
export type SlotCounts = Array<[slot: number, units: number]>;

/** One counter while a call is decided. */
class Window {
  readonly slotMs: number;
  readonly current: number;
  used = 0;

  constructor(
    readonly limit: number,
    readonly periodMs: number,
    readonly slots: SlotCounts,
    readonly now: number,
  ) {
    this.slotMs = periodMs / WINDOW_SLOTS;
    this.current = Math.floor(now / this.slotMs);
    for (const [, units] of slots) this.used += units;
  }

  fits(cost: number): boolean {
    return this.used + cost <= this.limit;
  }

  /** When a slot stops counting: once it is a whole period old. */
  private leavesAt(slot: number): number {
    return (slot + WINDOW_SLOTS + 1) * this.slotMs - this.now;
  }

  retryAfterMs(cost: number): number {
    if (this.fits(cost)) return 0;
    if (cost > this.limit) return this.periodMs;
    let freed = 0;
    const need = this.used + cost - this.limit;
    for (const [slot, units] of this.slots) {
      freed += units;
      if (freed >= need) return Math.ceil(this.leavesAt(slot));
    }
    return this.periodMs;
  }

  resetMs(): number {
    const newest = this.slots[this.slots.length - 1];
    return newest ? Math.ceil(this.leavesAt(newest[0])) : 0;
  }

  take(cost: number): void {
    const newest = this.slots[this.slots.length - 1];
    if (newest && newest[0] === this.current) newest[1] += cost;
    else this.slots.push([this.current, cost]);
    this.used += cost;
  }
}

/** The slots still counting at `now` for a counter of `periodMs`, oldest first. */
export function liveSlots(slots: SlotCounts, periodMs: number, now: number): SlotCounts {
  const oldest = Math.floor(now / (periodMs / WINDOW_SLOTS)) - WINDOW_SLOTS;
  return slots.filter(([slot]) => slot >= oldest).sort((a, b) => a[0] - b[0]);
}

/**
 * Decide `plan`'s requests in order over the counters' live slots (read by
 * the caller, oldest first, one list per counter). The allowed requests'
 * units are added to those lists, in place.
 */
export function decideInOrder(plan: RateLimitPlan, slotsOf: SlotCounts[], now: number): RateLimitVerdict[] {
  const windows = plan.counters.map((c, i) => new Window(c.limit, c.periodMs, slotsOf[i]!, now));
  const verdicts: RateLimitVerdict[] = [];
  for (const request of plan.requests) {
    const gated = request.onlyAfter >= 0 && !verdicts[request.onlyAfter]!.allowed;
    const allowed = !gated && request.rules.every((r) => windows[r.counter]!.fits(r.cost));
    if (allowed) for (const r of request.rules) windows[r.counter]!.take(r.cost);
    verdicts.push({
      allowed,
      decisions: request.rules.map((r) => {
        const w = windows[r.counter]!;
        return {
          allowed: allowed || (!gated && w.fits(r.cost)),
          limit: w.limit,
          remaining: Math.max(0, w.limit - w.used),
          resetMs: w.resetMs(),
          retryAfterMs: allowed ? 0 : w.retryAfterMs(r.cost),
        };
      }),
    });
  }
  return verdicts;
}

/** The one-rule, one-request case (`Cache.hit`): the rule's decision, `allowed` being the request's. */
export function singleDecision(verdict: RateLimitVerdict): RateLimitDecision {
  return { ...verdict.decisions[0]!, allowed: verdict.allowed };
}

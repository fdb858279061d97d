import type { Cache, RateLimitDecision, RateLimitRule } from '../../../shared/cache/cache.js';
import { RateLimitedError } from '../../../shared/errors.js';
import { errorResult, type IntakeCall, type Item, type Twins } from './intake-call.js';

const MINUTE = 60_000;

export interface IntakeLimitDeps {
  cache: Pick<Cache, 'limit'>;
  limits: { perKeyPerMinute: number; perUserPerMinute: number };
}

/** What the rate limits let through. */
export interface Limited {
  /** Fresh items within every limit, to look up and decide. */
  admitted: Item[];
  /** Answered 429 by their key's limit: final, not even a replay is read for them. */
  refusedByKey: Set<Item>;
  /** The key's state after the call (after its last request, for a round). */
  rateLimit: RateLimitDecision | undefined;
  /** For a round: the key's state as each request was decided, by request index. */
  keyStates: Array<RateLimitDecision | undefined>;
}

const retryAfterSeconds = (decision: RateLimitDecision) => Math.max(1, Math.ceil(decision.retryAfterMs / 1000));

/**
 * One request against its API key's limit, for the routes that store one
 * thing per call (a fan-out, a workflow run): 429 when refused, which spends nothing.
 */
export async function spendKeyLimit(cache: Pick<Cache, 'limit'>, apiKeyId: string, perKeyPerMinute: number): Promise<void> {
  const [verdict] = await cache.limit([{ rules: [{ key: `rl:key:${apiKeyId}`, limit: perKeyPerMinute, periodMs: MINUTE }] }]);
  if (!verdict!.allowed) throw new RateLimitedError(retryAfterSeconds(verdict!.decisions[0]!), 'API key rate limit exceeded');
}

/**
 * Step "limit": intake's rate limits, per API key and per recipient, in one
 * round trip and before anything is looked up. A refused request spends no
 * budget. A repeat inside the call counts against the key only; a retry of
 * a stored request counts like any request (the unique index finds it at
 * insert).
 */
export function createIntakeLimits(deps: IntakeLimitDeps) {
  const keyRule = (apiKeyId: string, cost: number): RateLimitRule => ({
    key: `rl:key:${apiKeyId}`,
    limit: deps.limits.perKeyPerMinute,
    periodMs: MINUTE,
    cost,
  });
  const userRule = (item: Item): RateLimitRule => ({
    key: `rl:user:${item.body.user_id}`,
    limit: deps.limits.perUserPerMinute,
    periodMs: MINUTE,
  });
  const refuseForUser = (call: IntakeCall, item: Item, decision: RateLimitDecision) => {
    call.results[item.index] = errorResult(
      new RateLimitedError(retryAfterSeconds(decision), `Rate limit for user ${item.body.user_id} exceeded`),
    );
  };

  return {
    /**
     * A round of single requests: each is decided on its own, in arrival
     * order, against its key and its recipient; a refused one answers 429
     * and the others go on.
     */
    async eachOnItsOwn(call: IntakeCall, twins: Twins): Promise<Limited> {
      const limited: Limited = { admitted: [], refusedByKey: new Set(), keyStates: [], rateLimit: undefined };
      if (call.items.length === 0) return limited;
      const isRepeat = new Set(twins.repeats);
      const verdicts = await deps.cache.limit(
        call.items.map((item) => ({
          rules: isRepeat.has(item) ? [keyRule(call.apiKeyId, 1)] : [keyRule(call.apiKeyId, 1), userRule(item)],
        })),
      );
      call.items.forEach((item, i) => {
        const { allowed, decisions } = verdicts[i]!;
        const [key, user] = decisions as [RateLimitDecision, RateLimitDecision | undefined];
        limited.keyStates[item.index] = key;
        limited.rateLimit = key;
        if (allowed) {
          if (!isRepeat.has(item)) limited.admitted.push(item);
        } else if (!key.allowed) {
          limited.refusedByKey.add(item);
          call.results[item.index] = errorResult(new RateLimitedError(retryAfterSeconds(key), 'API key rate limit exceeded'));
        } else refuseForUser(call, item, user!);
      });
      return limited;
    },

    /**
     * A batch is one call: its key's limit covers all of it (429 for the
     * whole call, spending nothing), then each recipient's limit is decided
     * per item.
     */
    async asOneCall(call: IntakeCall, twins: Twins): Promise<Limited> {
      const [whole, ...perItem] = await deps.cache.limit([
        { rules: [keyRule(call.apiKeyId, Math.max(1, call.items.length))] },
        ...twins.fresh.map((item) => ({ rules: [userRule(item)], onlyAfter: 0 })),
      ]);
      const key = whole!.decisions[0]!;
      if (!whole!.allowed) throw new RateLimitedError(retryAfterSeconds(key), 'API key rate limit exceeded');
      const limited: Limited = { admitted: [], refusedByKey: new Set(), keyStates: [], rateLimit: key };
      twins.fresh.forEach((item, i) => {
        const verdict = perItem[i]!;
        if (verdict.allowed) limited.admitted.push(item);
        else refuseForUser(call, item, verdict.decisions[0]!);
      });
      return limited;
    },
  };
}

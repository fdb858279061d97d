import { runDetached } from '../../../shared/runtime/run-detached.js';
import type { Intake, IntakeOutcome, IntakeRequest } from './intake.js';

export interface IntakeCoalescerOptions {
  intake: Intake;
  /** Most requests handled in one round. */
  maxBatch?: number;
  /** Rounds of one API key running at once (each holds a database connection). */
  maxConcurrentRounds?: number;
}

interface Waiting {
  request: IntakeRequest;
  resolve: (outcome: IntakeOutcome) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for single intakes: requests of one API key that arrive
 * while its rounds are busy join the next round, which looks them up and
 * writes them in one transaction. Alone, a request is handled at once (no
 * added latency); under load, rounds grow and the database sees a few large
 * transactions instead of one per request. Each caller still gets exactly
 * its own result, rate limits included (each request is decided on its own,
 * in arrival order); a failure of the round (database down) fails its callers.
 * Twins in concurrent rounds are settled by the unique index, as between
 * replicas.
 */
export function createIntakeCoalescer(options: IntakeCoalescerOptions) {
  const maxBatch = options.maxBatch ?? 250;
  const maxRounds = options.maxConcurrentRounds ?? 4;
  const queues = new Map<string, Waiting[]>();
  const active = new Map<string, number>();

  async function runRound(apiKeyId: string, round: Waiting[]): Promise<void> {
    try {
      const outcome = await options.intake.accept(
        apiKeyId,
        round.map((w) => w.request),
        { eachOnItsOwn: true },
      );
      round.forEach((w, i) => {
        const result = outcome.results[i]!;
        w.resolve({ results: [result], rateLimit: result.rateLimit ?? outcome.rateLimit });
      });
    } catch (err) {
      for (const w of round) w.reject(err);
    }
  }

  async function worker(apiKeyId: string): Promise<void> {
    active.set(apiKeyId, (active.get(apiKeyId) ?? 0) + 1);
    for (let waiting = queues.get(apiKeyId); waiting && waiting.length > 0; waiting = queues.get(apiKeyId)) {
      await runRound(apiKeyId, waiting.splice(0, maxBatch));
    }
    const left = (active.get(apiKeyId) ?? 1) - 1;
    if (left > 0) active.set(apiKeyId, left);
    else {
      active.delete(apiKeyId);
      queues.delete(apiKeyId);
    }
  }

  return {
    /** Accept one request; resolves with an outcome holding its single result. */
    acceptOne(apiKeyId: string, request: IntakeRequest): Promise<IntakeOutcome> {
      return new Promise((resolve, reject) => {
        const waiting = queues.get(apiKeyId) ?? [];
        waiting.push({ request, resolve, reject });
        queues.set(apiKeyId, waiting);
        // the rounds serve later requests too: they run outside this one's log context and trace
        if ((active.get(apiKeyId) ?? 0) < maxRounds) void runDetached(() => worker(apiKeyId));
      });
    },
  };
}

export type IntakeCoalescer = ReturnType<typeof createIntakeCoalescer>;

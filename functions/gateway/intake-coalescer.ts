import type { Intake, IntakeOutcome, IntakeRequest } from './intake.js';

export interface IntakeCoalescerOptions {
  intake: Intake;
  /** Most requests handled in one round. */
  maxBatch?: number;
}

interface Waiting {
  request: IntakeRequest;
  resolve: (outcome: IntakeOutcome) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for single intakes: requests of one API key that arrive
 * while a round is running join the next round, which looks them up and
 * writes them in one transaction. Alone, a request is handled at once (no
 * added latency); under load, rounds grow and the database sees a few large
 * transactions instead of one per request. Each caller still gets exactly
 * its own result; a failure of the round (database down) fails its callers.
 */
export function createIntakeCoalescer(options: IntakeCoalescerOptions) {
  const maxBatch = options.maxBatch ?? 250;
  const queues = new Map<string, Waiting[]>();
  const busy = new Set<string>();

  async function drain(apiKeyId: string): Promise<void> {
    busy.add(apiKeyId);
    for (let waiting = queues.get(apiKeyId); waiting && waiting.length > 0; waiting = queues.get(apiKeyId)) {
      const round = waiting.splice(0, maxBatch);
      try {
        const outcome = await options.intake.accept(
          apiKeyId,
          round.map((w) => w.request),
        );
        round.forEach((w, i) => w.resolve({ results: [outcome.results[i]!], rateLimit: outcome.rateLimit }));
      } catch (err) {
        for (const w of round) w.reject(err);
      }
    }
    queues.delete(apiKeyId);
    busy.delete(apiKeyId);
  }

  return {
    /** Accept one request; resolves with an outcome holding its single result. */
    acceptOne(apiKeyId: string, request: IntakeRequest): Promise<IntakeOutcome> {
      return new Promise((resolve, reject) => {
        const waiting = queues.get(apiKeyId) ?? [];
        waiting.push({ request, resolve, reject });
        queues.set(apiKeyId, waiting);
        if (!busy.has(apiKeyId)) void drain(apiKeyId);
      });
    },
  };
}

export type IntakeCoalescer = ReturnType<typeof createIntakeCoalescer>;

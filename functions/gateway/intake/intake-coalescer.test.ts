import { describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '../../../shared/errors.js';
import { currentLogContext, withLogContext } from '../../../shared/logging/context.js';
import type { Intake, IntakeRequest } from './intake.js';
import { createIntakeCoalescer } from './intake-coalescer.js';

const request = (n: number): IntakeRequest => ({ body: { n }, correlationId: `c${n}` });
const rateLimit = { allowed: true, limit: 10, remaining: 9, resetMs: 1000, retryAfterMs: 0 };

/** An intake that records each round it was given and answers each request with its own body. */
function recordingIntake(fail = false) {
  const rounds: Array<{ apiKeyId: string; size: number }> = [];
  const intake: Intake = {
    async accept(apiKeyId, requests) {
      rounds.push({ apiKeyId, size: requests.length });
      await new Promise((r) => setImmediate(r));
      if (fail) throw new ServiceUnavailableError('database down');
      return { rateLimit, results: requests.map((r) => ({ status: 202, body: r.body, replayed: false })) };
    },
  };
  return { intake, rounds };
}

describe('intake coalescer', () => {
  it('runs rounds outside the log context of the request that started them', async () => {
    const seen: unknown[] = [];
    const intake: Intake = {
      async accept(_apiKeyId, requests) {
        seen.push({ ...currentLogContext() });
        await new Promise((r) => setImmediate(r));
        return { rateLimit, results: requests.map((r) => ({ status: 202, body: r.body, replayed: false })) };
      },
    };
    const coalescer = createIntakeCoalescer({ intake, maxConcurrentRounds: 1 });
    await Promise.all(
      Array.from({ length: 3 }, (_, n) =>
        withLogContext({ correlation_id: `c${n}` }, () => coalescer.acceptOne('k1', request(n))),
      ),
    );
    // two rounds (the first request, then the two that waited), neither carrying c0's correlation id
    expect(seen).toEqual([{}, {}]);
  });

  it('handles a lone request at once, in a round of its own', async () => {
    const { intake, rounds } = recordingIntake();
    const outcome = await createIntakeCoalescer({ intake }).acceptOne('k1', request(1));
    expect(outcome.results).toEqual([{ status: 202, body: { n: 1 }, replayed: false }]);
    expect(rounds).toEqual([{ apiKeyId: 'k1', size: 1 }]);
  });

  it('groups requests that arrive during a round, and gives each caller its own result', async () => {
    const { intake, rounds } = recordingIntake();
    const coalescer = createIntakeCoalescer({ intake, maxConcurrentRounds: 1 });
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, n) => coalescer.acceptOne('k1', request(n))));
    expect(outcomes.map((o) => (o.results[0]!.body as { n: number }).n)).toEqual(Array.from({ length: 20 }, (_, n) => n));
    expect(rounds.map((r) => r.size)).toEqual([1, 19]);
  });

  it('runs up to maxConcurrentRounds rounds of one key at once', async () => {
    const { intake, rounds } = recordingIntake();
    const coalescer = createIntakeCoalescer({ intake, maxConcurrentRounds: 2 });
    await Promise.all(Array.from({ length: 20 }, (_, n) => coalescer.acceptOne('k1', request(n))));
    // two rounds start with the first two requests; the rest wait for whichever finishes first
    expect(rounds.slice(0, 2).map((r) => r.size)).toEqual([1, 1]);
    expect(rounds.reduce((sum, r) => sum + r.size, 0)).toBe(20);
  });

  it('never mixes API keys in one round and respects maxBatch', async () => {
    const { intake, rounds } = recordingIntake();
    const coalescer = createIntakeCoalescer({ intake, maxBatch: 5, maxConcurrentRounds: 1 });
    await Promise.all([
      ...Array.from({ length: 12 }, (_, n) => coalescer.acceptOne('a', request(n))),
      ...Array.from({ length: 3 }, (_, n) => coalescer.acceptOne('b', request(n))),
    ]);
    expect(rounds.filter((r) => r.apiKeyId === 'a').map((r) => r.size)).toEqual([1, 5, 5, 1]);
    expect(rounds.filter((r) => r.apiKeyId === 'b').map((r) => r.size)).toEqual([1, 2]);
  });

  it('fails every caller of a failed round', async () => {
    const { intake } = recordingIntake(true);
    const coalescer = createIntakeCoalescer({ intake });
    const settled = await Promise.allSettled([coalescer.acceptOne('k', request(1)), coalescer.acceptOne('k', request(2))]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
  });
});

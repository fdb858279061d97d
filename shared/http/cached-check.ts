import type { ReadinessCheck } from './health.js';

/**
 * A readiness check whose answer (up or down) is reused for `ttlMs`: for a
 * probe that costs the dependency something (an SMTP connection), so
 * frequent readiness polls make one call every `ttlMs` at most. Probes
 * that arrive while a call is under way wait for it.
 */
export function cachedCheck(check: ReadinessCheck, ttlMs: number, now: () => number = Date.now): ReadinessCheck {
  let last: { at: number; result: Promise<unknown> } | undefined;
  return () => {
    const t = now();
    if (!last || t - last.at >= ttlMs) {
      const result = check();
      // a failed answer is reused too (not thrown at nobody), until the next call
      result.catch(() => {});
      last = { at: t, result };
    }
    return last.result;
  };
}

import { createLocalMemo } from '../cache/local-memo.js';
import type { SuppressionList } from '../delivery/send-policy.js';
import type { Fetcher } from './fetcher.js';
import { callService } from './service-call.js';

/**
 * The gateway's suppression list as the email worker sees it
 * (`GET /internal/v1/suppressions/:address`). An answer is reused for a
 * second in this process, so a burst of mail to one address asks once.
 */
export function createSuppressionClient(options: { fetcher: Fetcher; memoMs?: number }): SuppressionList {
  const memo = createLocalMemo<boolean>({ ttlMs: options.memoMs ?? 1_000 });
  return {
    isSuppressed(address) {
      const normalized = address.toLowerCase();
      return memo.get(normalized, async () => {
        const found = await callService<{ address: string }>(
          options.fetcher,
          'gateway',
          'GET',
          `/internal/v1/suppressions/${encodeURIComponent(normalized)}`,
        );
        return found !== null;
      });
    },
  };
}

import { type ClaimResult, DeliveryInProgressError, type DeliveryLedger, type LedgerKey } from './delivery-ledger.js';

interface Entry {
  state: 'in_progress' | 'completed';
  holder: string | null;
  leaseUntil: number;
  result: unknown;
  expiresAt: number;
}

/** {@link DeliveryLedger} in this process's memory: unit tests only (a restart forgets every record). */
export function createMemoryLedger(options: { now?: () => number } = {}): DeliveryLedger {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const id = (key: LedgerKey) => JSON.stringify([key.channel, key.notificationId, key.part ?? '']);
  const live = (key: LedgerKey) => {
    const entry = entries.get(id(key));
    return entry && entry.expiresAt > now() ? entry : undefined;
  };
  const store = (key: LedgerKey, result: unknown, ttlMs: number) =>
    entries.set(id(key), { state: 'completed', holder: null, leaseUntil: 0, result, expiresAt: now() + ttlMs });

  return {
    async claim<R>(key: LedgerKey, holder: string, leaseMs: number): Promise<ClaimResult<R>> {
      const entry = live(key);
      if (entry?.state === 'completed') return { state: 'completed', result: entry.result as R };
      if (entry && entry.leaseUntil > now()) throw new DeliveryInProgressError(key, entry.leaseUntil - now());
      entries.set(id(key), {
        state: 'in_progress',
        holder,
        leaseUntil: now() + leaseMs,
        result: null,
        expiresAt: now() + leaseMs,
      });
      return { state: 'claimed' };
    },
    async complete(key, result, ttlMs) {
      store(key, result, ttlMs);
    },
    async completeOnce(key, result, ttlMs) {
      if (live(key)) return false;
      store(key, result, ttlMs);
      return true;
    },
    async release(key, holder) {
      const entry = entries.get(id(key));
      if (entry?.state === 'in_progress' && entry.holder === holder) entries.delete(id(key));
    },
    async completedParts<R>(channel: string, notificationId: string) {
      const parts = new Map<string, R>();
      for (const [k, entry] of entries) {
        const [c, n, part] = JSON.parse(k) as [string, string, string];
        if (c === channel && n === notificationId && part !== '' && entry.state === 'completed' && entry.expiresAt > now())
          parts.set(part, entry.result as R);
      }
      return parts;
    },
    async sweep() {
      let n = 0;
      for (const [k, entry] of entries) if (entry.expiresAt <= now() && entries.delete(k)) n++;
      return n;
    },
  };
}

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryInProgressError, type DeliveryLedger } from './delivery-ledger.js';

/** The behaviour every {@link DeliveryLedger} adapter must show. */
export function ledgerContract(name: string, open: () => Promise<{ ledger: DeliveryLedger; close(): Promise<void> }>): void {
  describe(`DeliveryLedger contract: ${name}`, () => {
    const key = () => ({ channel: 'email', notificationId: randomUUID() });
    let opened: { ledger: DeliveryLedger; close(): Promise<void> } | undefined;
    beforeAll(async () => {
      opened = await open();
    });
    afterAll(() => opened?.close());
    // every case uses notifications of its own, so they share one ledger
    const using = (test: (ledger: DeliveryLedger) => Promise<void>) => test(opened!.ledger);

    it('claims once: a second holder is told it is in progress, with the time left', () =>
      using(async (ledger) => {
        const k = key();
        expect(await ledger.claim(k, 'm-1', 30_000)).toEqual({ state: 'claimed' });
        const refused = await ledger.claim(k, 'm-2', 30_000).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(DeliveryInProgressError);
        expect((refused as DeliveryInProgressError).retryAfterMs).toBeGreaterThan(20_000);
        expect((refused as DeliveryInProgressError).retryable).toBe(true);
        // the same holder is refused too: SQS can hand one message to two consumers at once
        await expect(ledger.claim(k, 'm-1', 30_000)).rejects.toBeInstanceOf(DeliveryInProgressError);
      }));

    it('a completed record comes back with its result to every later claim', () =>
      using(async (ledger) => {
        const k = key();
        await ledger.claim(k, 'm-1', 30_000);
        await ledger.complete(k, { status: 'delivered', provider: 'smtp' }, 60_000);
        expect(await ledger.claim(k, 'm-2', 30_000)).toEqual({
          state: 'completed',
          result: { status: 'delivered', provider: 'smtp' },
        });
      }));

    it('release frees only the holder’s own lease, never a completed record', () =>
      using(async (ledger) => {
        const k = key();
        await ledger.claim(k, 'm-1', 30_000);
        await ledger.release(k, 'm-2');
        await expect(ledger.claim(k, 'm-3', 30_000)).rejects.toBeInstanceOf(DeliveryInProgressError);
        await ledger.release(k, 'm-1');
        expect(await ledger.claim(k, 'm-3', 30_000)).toEqual({ state: 'claimed' });
        await ledger.complete(k, 'done', 60_000);
        await ledger.release(k, 'm-3');
        expect((await ledger.claim(k, 'm-4', 30_000)).state).toBe('completed');
      }));

    it('a lease that ran out (its holder died) is taken over', () =>
      using(async (ledger) => {
        const k = key();
        await ledger.claim(k, 'm-1', 1);
        await expect.poll(() => ledger.claim(k, 'm-2', 30_000).catch(() => 'refused')).toEqual({ state: 'claimed' });
      }));

    it('completeOnce stores only the first; parts are listed apart from the whole', () =>
      using(async (ledger) => {
        const k = key();
        expect(await ledger.completeOnce({ ...k, part: 'overall' }, 1, 60_000)).toBe(true);
        expect(await ledger.completeOnce({ ...k, part: 'overall' }, 2, 60_000)).toBe(false);
        await ledger.complete({ ...k, part: 'device-a' }, { status: 'failed', reason: '410' }, 60_000);
        await ledger.claim({ ...k, part: 'device-b' }, 'm-1', 30_000);
        await ledger.complete(k, 'whole', 60_000);
        await ledger.complete({ ...key(), part: 'device-a' }, 'another notification', 60_000);
        expect(await ledger.completedParts('email', k.notificationId)).toEqual(
          new Map<string, unknown>([
            ['overall', 1],
            ['device-a', { status: 'failed', reason: '410' }],
          ]),
        );
        expect(await ledger.completedParts('push', k.notificationId)).toEqual(new Map());
      }));

    it('expired records are forgotten and swept', () =>
      using(async (ledger) => {
        const k = key();
        await ledger.complete(k, 'old', 1);
        await expect.poll(() => ledger.claim(k, 'm-1', 30_000)).toEqual({ state: 'claimed' });
        const gone = key();
        await ledger.complete(gone, 'old', 1);
        await expect.poll(() => ledger.sweep()).toBeGreaterThanOrEqual(1);
        expect(await ledger.completeOnce(gone, 'new', 60_000)).toBe(true);
      }));
  });
}

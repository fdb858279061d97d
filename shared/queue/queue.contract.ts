import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../errors.js';
import { currentLogContext } from '../logging/context.js';
import type { MessageOf, RetryPolicy, RoutingKey } from '../messages.js';
import type { Delivery, Outcome, Queue } from './queue.js';
import { emailMessage, pushMessage } from './testing/fixtures.js';
import { killHard, type StuckConsumerSpec, spawnCrashingConsumer, spawnStuckConsumer } from './testing/spawn-stuck-consumer.js';

export type PolicyOverrides = Partial<Record<RoutingKey, Partial<RetryPolicy>>>;

/** What an adapter's test file hands the contract. */
export interface QueueHarness {
  /** A fresh queue on names no other test uses, with these retry policies. */
  make(policies?: PolicyOverrides): Promise<{ queue: Queue; stuckConsumer?: StuckConsumerSpec }>;
  /** Policy for the retry case (SQS delays are whole seconds). */
  retryPolicy: Partial<RetryPolicy>;
  /** Whether the broker orders by `priority` (the priority case applies only then). */
  priority: boolean;
  /** Whether messages outlive a consumer process (the killed-consumer case applies only then). */
  durable: boolean;
  /**
   * Deliveries after which a message whose consumer process dies on it every
   * time is dead-lettered (the adapter built with that limit); the poison case
   * applies only when given.
   */
  deliveryLimit?: number;
  /** How long a retry/redelivery may take to show up. */
  timeoutMs?: number;
}

/** The behaviour every {@link Queue} adapter must show. Called by each adapter's test file. */
export function queueContract(name: string, harness: QueueHarness): void {
  describe(`Queue contract: ${name}`, () => {
    const open: Queue[] = [];
    const timeout = harness.timeoutMs ?? 10_000;
    const wait = { timeout, interval: 20 };
    const make = async (policies?: PolicyOverrides) => {
      const made = await harness.make(policies);
      open.push(made.queue);
      return made;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((q) => q.close()));
    });

    it('delivers a published message, validated, with its headers, inside its log context', async () => {
      const { queue } = await make();
      const sent = emailMessage();
      const seen: Array<{ message: MessageOf<'email'>; delivery: Delivery; context: unknown }> = [];
      await queue.consume('email', async (message, delivery) => {
        seen.push({ message, delivery, context: currentLogContext() });
        return { type: 'done' };
      });

      await queue.publish('email', sent, { headers: { tenant: 'acme' } });

      await vi.waitFor(() => expect(seen).toHaveLength(1), wait);
      expect(seen[0]!.message).toEqual(sent);
      expect(seen[0]!.delivery.attempt).toBe(1);
      expect(seen[0]!.delivery.headers).toMatchObject({ tenant: 'acme' });
      expect(seen[0]!.context).toEqual({ correlation_id: sent.correlation_id, notification_id: sent.notification_id });
    });

    it("carries a message's trace context as the traceparent header", async () => {
      const { queue } = await make();
      const sent = emailMessage({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
      const seen: Delivery[] = [];
      await queue.consume('email', async (_message, delivery) => (seen.push(delivery), { type: 'done' }));

      await queue.publishMany('email', [sent], { headers: { tenant: 'acme' } });

      await vi.waitFor(() => expect(seen).toHaveLength(1), wait);
      expect(seen[0]!.headers).toMatchObject({ traceparent: sent.traceparent, tenant: 'acme' });
    });

    it('publishMany delivers every message, and keys do not mix', async () => {
      const { queue } = await make();
      const emails = Array.from({ length: 25 }, () => emailMessage());
      const pushes = [pushMessage(), pushMessage()];
      const got = { email: new Set<string>(), push: new Set<string>() };
      await queue.consume('email', async (m) => (got.email.add(m.notification_id), { type: 'done' }), { concurrency: 5 });
      await queue.consume('push', async (m) => (got.push.add(m.notification_id), { type: 'done' }));

      await Promise.all([queue.publishMany('email', emails), queue.publishMany('push', pushes)]);

      await vi.waitFor(() => expect(got.email.size + got.push.size).toBe(27), wait);
      expect([...got.email].sort()).toEqual(emails.map((m) => m.notification_id).sort());
      expect([...got.push].sort()).toEqual(pushes.map((m) => m.notification_id).sort());
    });

    it('done removes the message: a later consumer sees only what came after', async () => {
      const { queue } = await make();
      const first = emailMessage();
      const handled: string[] = [];
      const consumer = await queue.consume('email', async (m) => (handled.push(m.notification_id), { type: 'done' }));
      await queue.publish('email', first);
      await vi.waitFor(() => expect(handled).toEqual([first.notification_id]), wait);
      await consumer.stop();
      await vi.waitFor(async () => expect((await queue.stats()).keys.email).toMatchObject({ depth: 0, inFlight: 0 }), wait);

      const marker = emailMessage();
      await queue.publish('email', marker);
      await queue.consume('email', async (m) => (handled.push(m.notification_id), { type: 'done' }));

      await vi.waitFor(() => expect(handled).toHaveLength(2), wait);
      expect(handled[1]).toBe(marker.notification_id);
    });

    it('runs no more than `concurrency` handlers at once, and reports them in flight', async () => {
      const { queue } = await make();
      const release: Array<() => void> = [];
      let running = 0;
      let most = 0;
      await queue.publishMany(
        'push',
        Array.from({ length: 6 }, () => pushMessage()),
      );
      await queue.consume(
        'push',
        () =>
          new Promise<Outcome>((resolve) => {
            most = Math.max(most, ++running);
            release.push(() => (running--, resolve({ type: 'done' })));
          }),
        { concurrency: 2 },
      );

      await vi.waitFor(() => expect(release).toHaveLength(2), wait);
      expect((await queue.stats()).keys.push.inFlight).toBe(2);
      for (let i = 0; i < 6; i++) {
        await vi.waitFor(() => expect(release.length).toBeGreaterThan(i), wait);
        release[i]!();
      }
      await vi.waitFor(async () => expect((await queue.stats()).keys.push).toMatchObject({ depth: 0, inFlight: 0 }), wait);
      expect(most).toBe(2);
    });

    it('retries a transient failure with growing delays, then dead-letters it with the reason', async () => {
      const policy = { maxAttempts: 3, jitter: 0, ...harness.retryPolicy };
      const { queue } = await make({ email: policy });
      const sent = emailMessage();
      const attempts: Array<{ attempt: number; at: number }> = [];
      await queue.consume('email', async (m, delivery) => {
        attempts.push({ attempt: delivery.attempt, at: performance.now() });
        expect(m.attempt).toBe(delivery.attempt);
        throw new AppError('smtp_busy', 503, 'mailbox busy', { retryable: true });
      });

      await queue.publish('email', sent);

      await vi.waitFor(async () => expect(await queue.deadLetters.list()).toHaveLength(1), { ...wait, timeout: timeout * 2 });
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
      const [a, b, c] = attempts.map((x) => x.at) as [number, number, number];
      const base = policy.baseDelayMs ?? 0;
      expect(b - a).toBeGreaterThanOrEqual(base * 0.8);
      expect(c - b).toBeGreaterThan(b - a);
      const [dead] = await queue.deadLetters.list();
      expect(dead).toMatchObject({ key: 'email', attempts: 3, body: sent });
      expect(dead!.reason).toMatch(/gave up after 3 attempts.*mailbox busy/);
      expect((await queue.stats()).keys.email.deadLettered).toBe(1);
    }, 60_000);

    it('dead-letters a permanent failure at once, returned or thrown', async () => {
      const { queue } = await make();
      const bounced = pushMessage();
      const crashed = pushMessage();
      const calls: string[] = [];
      await queue.consume('push', async (m) => {
        calls.push(m.notification_id);
        if (m.notification_id === bounced.notification_id) return { type: 'dead_letter', reason: 'subscription gone (410)' };
        throw new TypeError('template has no body');
      });

      await queue.publishMany('push', [bounced, crashed]);

      await vi.waitFor(async () => expect(await queue.deadLetters.list()).toHaveLength(2), wait);
      expect(calls.sort()).toEqual([bounced.notification_id, crashed.notification_id].sort());
      const reasons = Object.fromEntries(
        (await queue.deadLetters.list()).map((d) => [(d.body as { notification_id: string }).notification_id, d]),
      );
      expect(reasons[bounced.notification_id]).toMatchObject({ reason: 'subscription gone (410)', attempts: 1, key: 'push' });
      expect(reasons[crashed.notification_id]!.reason).toMatch(/TypeError: template has no body/);
    });

    it('dead-letters an invalid message with the validation reason; the handler never sees it', async () => {
      const { queue } = await make();
      const handled: unknown[] = [];
      await queue.consume('email', async (m) => (handled.push(m), { type: 'done' }));

      await queue.publish('email', { ...emailMessage(), to: 'not-an-address', template_version: 'latest' } as never);

      await vi.waitFor(async () => expect(await queue.deadLetters.list()).toHaveLength(1), wait);
      const [dead] = await queue.deadLetters.list();
      expect(dead!.reason).toMatch(/^invalid message: /);
      expect(dead!.reason).toContain('to: ');
      expect(dead!.reason).toContain('template_version: ');
      expect(dead!.key).toBe('email');
      expect(handled).toEqual([]);
    });

    it('redrives one dead letter, then all, as fresh first attempts; purges the rest', async () => {
      const { queue } = await make();
      const messages = [emailMessage(), emailMessage(), emailMessage(), emailMessage()];
      const doomed = new Set(messages.map((m) => m.notification_id));
      const delivered: Array<{ id: string; attempt: number }> = [];
      await queue.consume('email', async (m, delivery) => {
        if (doomed.has(m.notification_id)) return { type: 'dead_letter', reason: 'provider said no' };
        delivered.push({ id: m.notification_id, attempt: delivery.attempt });
        return { type: 'done' };
      });
      await queue.publishMany('email', messages);
      await vi.waitFor(async () => expect((await queue.stats()).deadLetterDepth).toBe(4), wait);
      const list = await queue.deadLetters.list(10);
      expect(list).toHaveLength(4);
      expect(await queue.deadLetters.list(2)).toHaveLength(2);

      // the provider recovers for two of them
      const one = list[0]!;
      const oneId = (one.body as { notification_id: string }).notification_id;
      doomed.delete(oneId);
      expect(await queue.deadLetters.redrive(one.id)).toBe(1);
      await vi.waitFor(() => expect(delivered).toEqual([{ id: oneId, attempt: 1 }]), wait);
      expect(await queue.deadLetters.redrive('no-such-id')).toBe(0);

      const other = (await queue.deadLetters.list()).map((d) => (d.body as { notification_id: string }).notification_id);
      expect(other).toHaveLength(3);
      doomed.delete(other[0]!);
      expect(await queue.deadLetters.redrive('all')).toBe(3);
      // two fail again and come back to the dead-letter queue
      await vi.waitFor(async () => expect((await queue.stats()).deadLetterDepth).toBe(2), wait);
      expect(delivered.map((d) => d.id)).toEqual([oneId, other[0]]);

      expect(await queue.deadLetters.purge()).toBe(2);
      expect(await queue.deadLetters.list()).toEqual([]);
    });

    it('reports depth of messages nobody consumes yet', async () => {
      const { queue } = await make();
      await queue.publishMany(
        'status',
        [1, 2, 3].map(() => statusMessage()),
      );
      await vi.waitFor(async () => expect((await queue.stats()).keys.status.depth).toBe(3), wait);
      const stats = await queue.stats();
      expect(stats.keys.email).toEqual({ depth: 0, inFlight: 0, deadLettered: 0 });
      expect(stats.deadLetterDepth).toBe(0);
      await expect(queue.ping()).resolves.toBeUndefined();
    });

    it('holds a delayed publish back for the delay', async () => {
      const { queue } = await make();
      const got: number[] = [];
      await queue.consume('email', async () => (got.push(performance.now()), { type: 'done' }));
      const start = performance.now();

      await queue.publish('email', emailMessage(), { delayMs: 1_000 });

      await vi.waitFor(() => expect(got).toHaveLength(1), wait);
      expect(got[0]! - start).toBeGreaterThanOrEqual(900);
    });

    // cases an adapter cannot have are not registered at all, rather than reported as skipped
    if (harness.priority)
      it('delivers higher priority first', async () => {
        const { queue } = await make();
        const low = Array.from({ length: 5 }, () => emailMessage({ priority: 1 }));
        const high = emailMessage({ priority: 9 });
        await queue.publishMany('email', low);
        await queue.publish('email', high);
        const order: string[] = [];
        await queue.consume('email', async (m) => (order.push(m.notification_id), { type: 'done' }), { concurrency: 1 });

        await vi.waitFor(() => expect(order).toHaveLength(6), wait);
        expect(order[0]).toBe(high.notification_id);
      });

    if (harness.durable)
      it('loses nothing when a consumer is killed mid-batch: its unacked messages come back', async () => {
        const { queue, stuckConsumer } = await make();
        if (!stuckConsumer) throw new Error('a durable adapter must give the stuck-consumer spec');
        const sent = Array.from({ length: 5 }, () => pushMessage());
        await queue.publishMany('push', sent);

        const child = await spawnStuckConsumer(stuckConsumer, 'push', sent.length);
        await killHard(child);

        const got = new Map<string, number>();
        await queue.consume('push', async (m, d) => (got.set(m.notification_id, d.attempt), { type: 'done' }), {
          concurrency: 5,
        });
        await vi.waitFor(() => expect(got.size).toBe(5), { ...wait, timeout: timeout * 2 });
        expect([...got.keys()].sort()).toEqual(sent.map((m) => m.notification_id).sort());
      }, 60_000);

    const limit = harness.deliveryLimit;
    if (harness.durable && limit)
      it(`dead-letters a message that kills its consumer process every time, after ${limit} deliveries`, async () => {
        const { queue, stuckConsumer } = await make();
        if (!stuckConsumer) throw new Error('a durable adapter must give the stuck-consumer spec');
        const poison = pushMessage();
        await queue.publish('push', poison);

        // each consumer process takes it and dies of SIGKILL before it can settle anything
        for (let i = 0; i < limit; i++) await spawnCrashingConsumer(stuckConsumer, 'push');

        const handled: string[] = [];
        await queue.consume('push', async (m) => (handled.push(m.notification_id), { type: 'done' }));
        await vi.waitFor(async () => expect(await queue.deadLetters.list()).toHaveLength(1), { ...wait, timeout: timeout * 2 });
        const [dead] = await queue.deadLetters.list();
        expect(dead!.body).toMatchObject({ notification_id: poison.notification_id });
        expect(dead!.reason).toMatch(new RegExp(`delivered ${limit} times`));
        expect(handled).toEqual([]);
      }, 120_000);
  });
}

function statusMessage(): MessageOf<'status'> {
  return {
    notification_id: emailMessage().notification_id,
    status: 'delivered',
    channel: 'email',
    timestamp: new Date().toISOString(),
    attempt: 1,
  };
}

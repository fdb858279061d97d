import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ROUTING_KEYS } from '../../../shared/messages.js';
import { type Delivery, deadLetter, done } from '../../../shared/queue/queue.js';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { openPlatform, type PlatformKit } from '../test-support/platform-kit.js';

describe.each(testDatabases())('admin routes (the dashboard API) on $kind', (target) => {
  let kit: PlatformKit;
  /** The stand-in email worker: dead-letters a message the first time it sees it, takes it the second. */
  const seen = new Map<string, number>();
  beforeAll(async () => {
    kit = await openPlatform(target);
    await kit.infra.queue.consume('email', async (message, delivery: Delivery) => {
      const times = (seen.get(delivery.id) ?? 0) + 1;
      seen.set(delivery.id, times);
      return times === 1 ? deadLetter(`550 5.1.1 mailbox of ${message.notification_id} unavailable`) : done();
    });
  });
  afterAll(() => kit.close());

  async function send(overrides: Record<string, unknown> = {}) {
    const user = await kit.createUser();
    const requestId = `req-${randomUUID()}`;
    const res = await kit.request('POST', '/api/v1/notifications', {
      auth: kit.sendKey,
      body: {
        notification_type: 'email',
        user_id: user.id,
        template_code: 'kit_welcome',
        variables: { name: 'Ada' },
        request_id: requestId,
        ...overrides,
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return { id: res.body.data.notification_id as string, userId: user.id, requestId };
  }

  const deadLetters = async () =>
    (await kit.request('GET', '/api/v1/admin/dead-letters')).body.data as {
      dead_letter_depth: number;
      items: Array<{ id: string; notification_id: string | null; key: string; reason: string }>;
    };

  describe('GET /api/v1/admin/overview', () => {
    it('counts what was created, delivered and failed in the window, with queue depths', async () => {
      const before = (await kit.request('GET', '/api/v1/admin/overview')).body.data;
      const sent = await send();
      await expect.poll(async () => (await deadLetters()).items.some((d) => d.notification_id === sent.id)).toBe(true);
      await kit.infra.queue.publish('status', {
        notification_id: sent.id,
        status: 'delivered',
        channel: 'email',
        timestamp: new Date().toISOString(),
        attempt: 1,
      });
      await expect
        .poll(async () => (await kit.request('GET', `/api/v1/notifications/${sent.id}`)).body.data.status)
        .toBe('delivered');

      const res = await kit.request('GET', '/api/v1/admin/overview');

      expect(res.status).toBe(200);
      const o = res.body.data;
      expect(o.window_minutes).toBe(15);
      expect(o.bucket_seconds).toBe(10);
      // 15 minutes of 10 s buckets, the one still filling included
      expect(o.throughput.length).toBeGreaterThanOrEqual(90);
      expect(o.throughput.length).toBeLessThanOrEqual(91);
      expect(o.totals.created).toBe(before.totals.created + 1);
      expect(o.totals.delivered).toBe(before.totals.delivered + 1);
      expect(o.throughput.reduce((n: number, b: { created: number }) => n + b.created, 0)).toBe(o.totals.created);
      expect(Date.parse(o.throughput.at(-1).at)).toBeLessThanOrEqual(Date.parse(o.generated_at));
      // every routing key of the message catalog, webhook deliveries included
      expect(Object.keys(o.queue.keys).sort()).toEqual([...ROUTING_KEYS].sort());
      expect(o.queue.keys).toHaveProperty('webhook');
      expect(o.queue.keys.email).toEqual({
        depth: expect.any(Number),
        in_flight: expect.any(Number),
        dead_lettered: expect.any(Number),
      });
      expect(o.queue.dead_letter_depth).toBeGreaterThanOrEqual(1);
      expect(o.queue_error).toBeNull();
      expect(Array.isArray(o.latency)).toBe(true);
    });

    it('takes a window of 1 to 60 minutes, with minute buckets above 15', async () => {
      const hour = await kit.request('GET', '/api/v1/admin/overview?window_minutes=60');

      expect(hour.status).toBe(200);
      expect(hour.body.data.bucket_seconds).toBe(60);
      expect(hour.body.data.throughput.length).toBeGreaterThanOrEqual(60);
      expect(hour.body.data.throughput.length).toBeLessThanOrEqual(61);
      for (const bad of ['0', '61', 'abc', '1.5']) {
        const res = await kit.request('GET', `/api/v1/admin/overview?window_minutes=${bad}`);
        expect(res.status, bad).toBe(400);
        expect(res.body.error).toBe('validation_error');
      }
    });
  });

  describe('dead letters', () => {
    it('lists a dead letter with its notification and reason, and redrives it back to its worker', async () => {
      const sent = await send();
      await expect.poll(async () => (await deadLetters()).items.some((d) => d.notification_id === sent.id)).toBe(true);
      const letter = (await deadLetters()).items.find((d) => d.notification_id === sent.id)!;
      expect(letter).toMatchObject({ key: 'email', reason: expect.stringContaining('550 5.1.1') });

      const res = await kit.request('POST', `/api/v1/admin/dead-letters/${letter.id}/redrive`);

      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ redriven: 1 });
      await expect.poll(() => seen.get(letter.id)).toBe(2);
      expect((await deadLetters()).items.map((d) => d.id)).not.toContain(letter.id);
    });

    it('answers 404 for an id that is not in the dead-letter queue, and 400 for one that cannot be an id', async () => {
      const missing = await kit.request('POST', `/api/v1/admin/dead-letters/${randomUUID()}/redrive`);
      const bad = await kit.request('POST', `/api/v1/admin/dead-letters/${encodeURIComponent('not an id!')}/redrive`);

      expect(missing.status).toBe(404);
      expect(missing.body.error).toBe('not_found');
      expect(bad.status).toBe(400);
      expect(bad.body.error).toBe('validation_error');
    });

    it('redrives every dead letter at once', async () => {
      await Promise.all([send(), send()]);
      await expect.poll(async () => (await deadLetters()).dead_letter_depth).toBeGreaterThanOrEqual(2);
      const depth = (await deadLetters()).dead_letter_depth;

      const res = await kit.request('POST', '/api/v1/admin/dead-letters/redrive');

      expect(res.status).toBe(200);
      expect(res.body.data.redriven).toBe(depth);
      await expect.poll(async () => (await deadLetters()).dead_letter_depth).toBe(0);
    });

    it('checks the list limit', async () => {
      expect((await kit.request('GET', '/api/v1/admin/dead-letters?limit=0')).status).toBe(400);
      expect((await kit.request('GET', '/api/v1/admin/dead-letters?limit=501')).status).toBe(400);
      expect((await kit.request('GET', '/api/v1/admin/dead-letters?limit=1')).status).toBe(200);
    });
  });

  describe('GET /api/v1/admin/notifications (search)', () => {
    let a: Awaited<ReturnType<typeof send>>;
    let b: Awaited<ReturnType<typeof send>>;
    beforeAll(async () => {
      a = await send();
      b = await send({ notification_type: 'push', request_id: `order_100%_${randomUUID()}` });
    });
    const search = async (query: string) => kit.request('GET', `/api/v1/admin/notifications?${query}`);
    const ids = (res: { body: { data: Array<{ id: string }> } }) => res.body.data.map((n) => n.id);

    it('finds a notification by its id, by its user id, and by part of its request id (any case)', async () => {
      const byId = await search(`q=${a.id}`);
      const byUser = await search(`q=${b.userId}`);
      const byRequest = await search(`q=${encodeURIComponent(a.requestId.slice(4, 16).toUpperCase())}`);

      expect(byId.status).toBe(200);
      expect(ids(byId)).toEqual([a.id]);
      expect(byId.body.meta).toMatchObject({ total: 1, page: 1, total_pages: 1 });
      expect(ids(byUser)).toEqual([b.id]);
      expect(ids(byRequest)).toEqual([a.id]);
    });

    it('treats % and _ in the search text literally', async () => {
      const literal = await search(`q=${encodeURIComponent('order_100%')}`);
      const wildcard = await search(`q=${encodeURIComponent('%')}`);

      expect(ids(literal)).toEqual([b.id]);
      expect(ids(wildcard)).toEqual([b.id]);
    });

    it('filters by template code, status and channel, newest first, in pages', async () => {
      const pushOnly = await search('q=kit_welcome&notification_type=push&limit=100');
      const firstPage = await search('q=kit_welcome&limit=1');
      const secondPage = await search('q=kit_welcome&limit=1&page=2');
      const none = await search(`q=${a.id}&status=delivered`);

      expect(ids(pushOnly)).toContain(b.id);
      expect(ids(pushOnly)).not.toContain(a.id);
      expect(firstPage.body.meta).toMatchObject({ limit: 1, page: 1, has_next: true, has_previous: false });
      expect(ids(firstPage)).toEqual([b.id]);
      expect(ids(secondPage)).toEqual([a.id]);
      expect(none.body.data).toEqual([]);
      expect(none.body.meta.total).toBe(0);
    });

    it('refuses a bad status, channel, page or limit, and an overlong query', async () => {
      for (const query of ['status=lost', 'notification_type=sms', 'page=0', 'limit=101', `q=${'x'.repeat(201)}`]) {
        const res = await search(query);
        expect(res.status, query).toBe(400);
        expect(res.body.error, query).toBe('validation_error');
      }
    });
  });

  describe('GET /api/v1/admin/workflow-runs', () => {
    const send = { type: 'send', channel: 'email', template_code: 'kit_welcome' };
    const later = `admin-wf-${randomUUID().slice(0, 8)}`;
    const now = `admin-wf-${randomUUID().slice(0, 8)}`;
    let waiting: string;
    let cancelled: string;
    let completed: string;
    const runs = (query: string) => kit.request('GET', `/api/v1/admin/workflow-runs?${query}`);
    const ids = (res: { body: { data: Array<{ workflow_run_id: string }> } }) => res.body.data.map((r) => r.workflow_run_id);
    const run = async (id: string) => (await kit.request('GET', `/api/v1/workflow-runs/${id}`)).body.data;

    beforeAll(async () => {
      for (const [key, steps] of [
        [later, [send, { type: 'delay', duration: 'PT1H' }, send]],
        [now, [send]],
      ] as const) {
        const res = await kit.request('POST', '/api/v1/workflows', { body: { workflow_key: key, name: key, steps } });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
      }
      // another send key's run: the operator sees every key's runs
      const other = (await kit.request('POST', '/api/v1/api-keys', { body: { name: 'other sender', scopes: ['send'] } })).body
        .data.key as string;
      const trigger = async (key: string, auth: string) => {
        const user = await kit.createUser();
        const res = await kit.request('POST', `/api/v1/workflows/${key}/trigger`, {
          auth,
          body: { user_id: user.id, payload: { name: 'Ada' }, request_id: randomUUID() },
        });
        expect(res.status, JSON.stringify(res.body)).toBe(202);
        return res.body.data.workflow_run_id as string;
      };
      waiting = await trigger(later, kit.sendKey);
      cancelled = await trigger(later, kit.sendKey);
      completed = await trigger(now, other);
      const settled = { timeout: 15_000, interval: 100 };
      await vi.waitFor(async () => expect((await run(waiting)).steps[1].state).toBe('waiting'), settled);
      await vi.waitFor(async () => expect((await run(cancelled)).steps[1].state).toBe('waiting'), settled);
      expect((await kit.request('DELETE', `/api/v1/workflow-runs/${cancelled}`)).status).toBe(200);
      await vi.waitFor(async () => expect((await run(completed)).status).toBe('completed'), settled);
    });

    it("lists a key's runs newest first, each with its steps as GET /workflow-runs/:id shows them", async () => {
      const res = await runs(`workflow_key=${later}`);

      expect(res.status).toBe(200);
      expect(ids(res)).toEqual([cancelled, waiting]);
      expect(res.body.meta).toMatchObject({ total: 2, page: 1 });
      const held = res.body.data[1];
      expect(held).toMatchObject({ workflow_key: later, status: 'running', step_index: 1 });
      expect(held.steps.map((s: { type: string; state: string }) => [s.type, s.state])).toEqual([
        ['send', 'completed'],
        ['delay', 'waiting'],
        ['send', 'pending'],
      ]);
      expect(held.steps[0].notification_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(held.steps[1].wait_until).not.toBeNull();
      expect(held).toEqual(await run(waiting));
    });

    it('filters by status, across API keys, in pages', async () => {
      const cancelledOnly = await runs(`workflow_key=${later}&status=cancelled`);
      const completedAnyKey = await runs('status=completed&limit=100');
      const firstPage = await runs(`workflow_key=${later}&limit=1`);
      const secondPage = await runs(`workflow_key=${later}&limit=1&page=2`);

      expect(ids(cancelledOnly)).toEqual([cancelled]);
      expect(cancelledOnly.body.data[0].steps[1]).toMatchObject({ type: 'delay', state: 'dropped' });
      expect(ids(completedAnyKey)).toContain(completed);
      expect(ids(completedAnyKey)).not.toContain(waiting);
      expect(firstPage.body.meta).toMatchObject({ total: 2, has_next: true, has_previous: false });
      expect([...ids(firstPage), ...ids(secondPage)]).toEqual([cancelled, waiting]);
    });

    it('refuses a bad status, workflow key, page or limit', async () => {
      for (const query of ['status=lost', 'workflow_key=Not%20A%20Key', 'page=0', 'limit=101']) {
        const res = await runs(query);
        expect(res.status, query).toBe(400);
        expect(res.body.error, query).toBe('validation_error');
      }
    });
  });

  describe('access', () => {
    const routes = [
      ['GET', '/api/v1/admin/overview'],
      ['GET', '/api/v1/admin/dead-letters'],
      ['POST', '/api/v1/admin/dead-letters/redrive'],
      ['POST', `/api/v1/admin/dead-letters/${randomUUID()}/redrive`],
      ['GET', '/api/v1/admin/notifications'],
      ['GET', '/api/v1/admin/workflow-runs'],
    ] as const;

    it.each(routes)('%s %s: 401 without a credential, 403 with a send key or a user token', async (method, path) => {
      const user = await kit.createUser();

      const anonymous = await kit.request(method, path, { auth: null });
      const sender = await kit.request(method, path, { auth: kit.sendKey });
      const asUser = await kit.request(method, path, { auth: user.token });

      expect(anonymous.status).toBe(401);
      expect(sender.status).toBe(403);
      expect(asUser.status).toBe(403);
      expect(sender.body).toMatchObject({ success: false, error: 'forbidden' });
    });
  });
});

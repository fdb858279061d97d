import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { BOOTSTRAP_ADMIN_KEY, openUserKit, type UserKit } from '../test-support/user-test-kit.js';

const topicKey = () => `t-${randomUUID().slice(0, 8)}`;

describe.each(testDatabases())('topics on $kind', (target) => {
  let kit: UserKit;
  let sendKey: string;
  beforeAll(async () => {
    kit = await openUserKit(target);
    const key = await kit.request('POST', '/api/v1/api-keys', {
      auth: BOOTSTRAP_ADMIN_KEY,
      body: { name: 'topics', scopes: ['send'] },
    });
    sendKey = key.body.data.key;
  });
  afterAll(() => kit.close());

  const api = (method: string, path: string, body?: unknown) =>
    kit.request(method, path, { auth: sendKey, ...(body !== undefined && { body }) });

  /** `n` recipients imported with external ids; returns their ids and external ids in the same order. */
  async function recipients(n: number): Promise<Array<{ id: string; externalId: string }>> {
    const list = Array.from({ length: n }, () => ({ external_id: `ext-${randomUUID()}`, email: `${randomUUID()}@example.com` }));
    const res = await api('POST', '/api/v1/users/bulk', { users: list });
    return res.body.data.items.map((i: { data: { id: string; external_id: string } }) => ({
      id: i.data.id,
      externalId: i.data.external_id,
    }));
  }

  async function topicWith(n: number): Promise<{ key: string; members: Array<{ id: string; externalId: string }> }> {
    const key = topicKey();
    expect((await api('POST', '/api/v1/topics', { topic_key: key, name: 'Members' })).status).toBe(201);
    const members = await recipients(n);
    for (let i = 0; i < n; i += 1000) {
      await api('POST', `/api/v1/topics/${key}/subscribers`, { user_ids: members.slice(i, i + 1000).map((m) => m.id) });
    }
    return { key, members };
  }

  it('creates, reads, lists, renames and deletes a topic', async () => {
    const key = topicKey();
    const created = await api('POST', '/api/v1/topics/', { topic_key: key, name: 'Order updates' });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ topic_key: key, name: 'Order updates', subscriber_count: 0 });
    expect((await api('POST', '/api/v1/topics', { topic_key: key, name: 'again' })).status).toBe(409);
    expect((await api('GET', `/api/v1/topics/${key}`)).body.data.name).toBe('Order updates');
    const listed = await api('GET', '/api/v1/topics?limit=100');
    expect(listed.body.data.map((t: { topic_key: string }) => t.topic_key)).toContain(key);
    expect(listed.body.meta).toMatchObject({ page: 1, limit: 100 });
    expect((await api('PATCH', `/api/v1/topics/${key}`, { name: 'Orders' })).body.data.name).toBe('Orders');
    expect((await api('DELETE', `/api/v1/topics/${key}`)).status).toBe(200);
    expect((await api('GET', `/api/v1/topics/${key}`)).status).toBe(404);
    expect((await api('DELETE', `/api/v1/topics/${key}`)).status).toBe(404);
  });

  it('refuses bad topic keys and names (400)', async () => {
    for (const bad of ['', 'with space', '-leading', 'x'.repeat(101), 'ümlaut']) {
      expect((await api('POST', '/api/v1/topics', { topic_key: bad, name: 'x' })).status, bad).toBe(400);
    }
    expect((await api('POST', '/api/v1/topics', { topic_key: topicKey(), name: '  ' })).status).toBe(400);
  });

  it('subscribes by user id and by external id, idempotently, and names ids that are no user', async () => {
    const key = topicKey();
    await api('POST', '/api/v1/topics', { topic_key: key, name: 'Mixed' });
    const [a, b, c] = await recipients(3);
    const stranger = randomUUID();
    const first = await api('POST', `/api/v1/topics/${key}/subscribers`, {
      user_ids: [a!.id, stranger],
      external_ids: [b!.externalId, 'no-such-customer-id'],
    });
    expect(first.status).toBe(200);
    expect(first.body.data).toEqual({
      topic_key: key,
      added: 2,
      already_subscribed: 0,
      unknown: { user_ids: [stranger], external_ids: ['no-such-customer-id'] },
    });
    const again = await api('POST', `/api/v1/topics/${key}/subscribers`, {
      user_ids: [a!.id, b!.id, c!.id],
      external_ids: [a!.externalId],
    });
    expect(again.body.data).toMatchObject({ added: 1, already_subscribed: 2 });
    expect((await api('GET', `/api/v1/topics/${key}`)).body.data.subscriber_count).toBe(3);
  });

  it('unsubscribes one user, or many by id or external id, idempotently', async () => {
    const { key, members } = await topicWith(4);
    const [a, b, c] = members;
    const one = await api('DELETE', `/api/v1/topics/${key}/subscribers/${a!.id}`);
    expect(one.body.data).toMatchObject({ removed: 1, not_subscribed: 0 });
    expect((await api('DELETE', `/api/v1/topics/${key}/subscribers/${a!.id}`)).body.data).toMatchObject({
      removed: 0,
      not_subscribed: 1,
    });
    const many = await api('POST', `/api/v1/topics/${key}/subscribers/remove`, {
      user_ids: [b!.id],
      external_ids: [c!.externalId],
    });
    expect(many.body.data).toMatchObject({ removed: 2, not_subscribed: 0 });
    expect((await api('GET', `/api/v1/topics/${key}`)).body.data.subscriber_count).toBe(1);
  });

  it('takes at most 1,000 subscribers a call and needs at least one', async () => {
    const key = topicKey();
    await api('POST', '/api/v1/topics', { topic_key: key, name: 'Big' });
    const tooMany = Array.from({ length: 1001 }, () => randomUUID());
    expect((await api('POST', `/api/v1/topics/${key}/subscribers`, { user_ids: tooMany })).status).toBe(400);
    expect((await api('POST', `/api/v1/topics/${key}/subscribers`, {})).status).toBe(400);
    expect((await api('POST', `/api/v1/topics/${key}/subscribers`, { user_ids: ['not-a-uuid'] })).status).toBe(400);
    expect((await api('POST', `/api/v1/topics/nope-${randomUUID()}/subscribers`, { user_ids: [randomUUID()] })).status).toBe(404);
  });

  it('pages through subscribers with a cursor: every one exactly once, in user id order, while the list grows', async () => {
    const { key, members } = await topicWith(250);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await api('GET', `/api/v1/topics/${key}/subscribers?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.data.map((s: { user_id: string }) => s.user_id));
      cursor = res.body.meta.next_cursor;
      expect(res.body.meta.has_next).toBe(cursor !== null);
      pages++;
      // subscribers added meanwhile land in later pages (or earlier ones), never twice
      if (pages === 1) {
        const late = await recipients(5);
        await api('POST', `/api/v1/topics/${key}/subscribers`, { user_ids: late.map((m) => m.id) });
        members.push(...late);
      }
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(seen);
    for (const m of members.slice(0, 250)) expect(seen).toContain(m.id);
  });

  it('refuses a cursor it did not give (400)', async () => {
    const { key } = await topicWith(1);
    const res = await api('GET', `/api/v1/topics/${key}/subscribers?cursor=${Buffer.from('1 or 1=1').toString('base64url')}`);
    expect(res.status).toBe(400);
    expect(res.body.meta.fields).toEqual([expect.objectContaining({ field: 'cursor' })]);
  });

  it('a deleted user leaves its topics; a deleted topic leaves its users', async () => {
    const { key, members } = await topicWith(2);
    await kit.request('DELETE', `/api/v1/users/${members[0]!.id}`, { auth: BOOTSTRAP_ADMIN_KEY });
    expect((await api('GET', `/api/v1/topics/${key}`)).body.data.subscriber_count).toBe(1);
    await api('DELETE', `/api/v1/topics/${key}`);
    expect((await kit.request('GET', `/api/v1/users/${members[1]!.id}`, { auth: BOOTSTRAP_ADMIN_KEY })).status).toBe(200);
  });

  it('is for backends: a user token gets 403, no credential 401', async () => {
    const user = await kit.createUser();
    expect((await kit.request('GET', '/api/v1/topics', { auth: user.token })).status).toBe(403);
    expect((await kit.request('GET', '/api/v1/topics')).status).toBe(401);
  });

  describe('internal routes for fan-out and lookups', () => {
    it('serves a topic as pages of recipients with their preferences, in user id order', async () => {
      const { key, members } = await topicWith(30);
      const topic = await kit.request('GET', `/internal/v1/topics/${key}`);
      expect(topic.body.data).toMatchObject({ topic_key: key, subscriber_count: 30 });
      const ids: string[] = [];
      let after: string | null = null;
      do {
        const res = await kit.request('GET', `/internal/v1/topics/${key}/recipients?limit=12${after ? `&after=${after}` : ''}`);
        expect(res.status).toBe(200);
        ids.push(...res.body.data.recipients.map((r: { id: string }) => r.id));
        after = res.body.data.next_after;
      } while (after);
      expect(ids).toEqual(members.map((m) => m.id).sort());
      const one = await kit.request('GET', `/internal/v1/topics/${key}/recipients?limit=1`);
      expect(one.body.data.recipients[0]).toMatchObject({
        external_id: expect.any(String),
        preferences: { email: true, push: true, language: 'en', timezone: 'UTC', opt_out_categories: [] },
        push_device_count: 0,
      });
    });

    it('looks recipients up by user id and external id at once', async () => {
      const [a, b] = await recipients(2);
      const res = await kit.request('POST', '/internal/v1/recipients/lookup', {
        body: { user_ids: [a!.id, randomUUID()], external_ids: [b!.externalId, 'nobody'] },
      });
      expect(res.body.data.recipients.map((r: { id: string }) => r.id).sort()).toEqual([a!.id, b!.id].sort());
    });
  });
});

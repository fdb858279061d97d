import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../../shared/db/bulk-insert.js';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { INBOX_TEMPLATE, seedInboxTemplate, sendInApp } from '../test-support/inbox-kit.js';
import { openPlatform, type PlatformKit } from '../test-support/platform-kit.js';
import { createInboxStore } from './inbox-store.js';

describe.each(testDatabases())('in-app inbox on $kind', (target) => {
  let kit: PlatformKit;
  beforeAll(async () => {
    kit = await openPlatform(target);
    await seedInboxTemplate(kit);
  });
  afterAll(() => kit.close());

  const statusOf = async (id: string): Promise<string> =>
    (await kit.request('GET', `/api/v1/notifications/${id}`)).body.data.status;
  const feed = (token: string, query = '') => kit.request('GET', `/api/v1/inbox${query}`, { auth: token });
  const counts = async (token: string) => (await kit.request('GET', '/api/v1/inbox/count', { auth: token })).body.data;
  /** Send and wait until the worker stored it. */
  const deliver = async (userId: string, order?: string) => {
    const id = await sendInApp(kit, userId, order);
    await expect.poll(() => statusOf(id)).toBe('delivered');
    return id;
  };

  it('delivers an in-app notification into its user inbox, rendered, through the whole pipeline', async () => {
    const ada = await kit.createUser();
    const id = await deliver(ada.id, 'A-42');

    const list = await feed(ada.token);
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([
      expect.objectContaining({
        id,
        template_code: INBOX_TEMPLATE,
        category: 'activity',
        title: 'Hi Ada',
        body: 'Your order A-42 shipped',
        action_url: 'https://example.com/orders/A-42',
        data: { order: 'A-42' },
        read_at: null,
        seen_at: null,
        archived_at: null,
      }),
    ]);
    expect(await counts(ada.token)).toEqual({ unread: 1, unseen: 1, total: 1 });
    const timeline = (await kit.request('GET', `/api/v1/notifications/${id}`)).body.data.timeline;
    expect(timeline.map((e: { status: string }) => e.status)).toEqual(['queued', 'sending', 'delivered']);
    expect(timeline[2]).toMatchObject({ provider: 'inbox' });
  });

  it('shows no user another one’s items, and marks none of them', async () => {
    const ada = await kit.createUser();
    const bob = await kit.createUser();
    const adas = await deliver(ada.id);

    expect((await feed(bob.token)).body.data).toEqual([]);
    expect(await counts(bob.token)).toEqual({ unread: 0, unseen: 0, total: 0 });
    for (const mark of ['read', 'unread', 'archive']) {
      const res = await kit.request('POST', `/api/v1/inbox/${adas}/${mark}`, { auth: bob.token });
      expect(res.status, mark).toBe(404);
    }
    const bobAll = await kit.request('POST', '/api/v1/inbox/read-all', { auth: bob.token });
    expect(bobAll.body.data.marked).toBe(0);
    await kit.request('POST', '/api/v1/inbox/seen', { auth: bob.token });
    expect(await counts(ada.token)).toEqual({ unread: 1, unseen: 1, total: 1 });
    expect(await statusOf(adas)).toBe('delivered');
  });

  it('takes embed tokens minted with a send key, for that one user’s inbox only', async () => {
    const ada = await kit.createUser();
    const bob = await kit.createUser();
    const adas = await deliver(ada.id);
    await deliver(bob.id);

    const minted = await kit.request('POST', '/api/v1/inbox/tokens', { auth: kit.sendKey, body: { user_id: ada.id } });
    expect(minted.status).toBe(201);
    expect(minted.body.data).toMatchObject({ user_id: ada.id, expires_in: 3600 });
    const embed: string = minted.body.data.token;

    expect((await feed(embed)).body.data.map((i: { id: string }) => i.id)).toEqual([adas]);
    // the token is no login: the user function refuses it, on Ada's own user too
    expect((await kit.request('GET', `/api/v1/users/${ada.id}`, { auth: embed })).status).toBe(401);
    // a key is no user: it has no inbox to read
    expect((await feed(kit.sendKey)).status).toBe(403);
    expect((await feed('not-a-token')).status).toBe(401);
    expect((await kit.request('GET', '/api/v1/inbox', { auth: null })).status).toBe(401);
    // minting needs a send key, and a user that exists
    expect((await kit.request('POST', '/api/v1/inbox/tokens', { auth: ada.token, body: { user_id: ada.id } })).status).toBe(403);
    const nobody = '00000000-0000-4000-8000-000000000000';
    expect((await kit.request('POST', '/api/v1/inbox/tokens', { auth: kit.sendKey, body: { user_id: nobody } })).status).toBe(
      404,
    );
  });

  it('reads an item: status read with its timeline event; unread, archive, read-all and seen move the counts', async () => {
    const ada = await kit.createUser();
    const first = await deliver(ada.id, 'A-1');
    const second = await deliver(ada.id, 'A-2');
    const third = await deliver(ada.id, 'A-3');

    const read = await kit.request('POST', `/api/v1/inbox/${first}/read`, { auth: ada.token });
    expect(read.status).toBe(200);
    expect(read.body.data.read_at).not.toBeNull();
    expect(read.body.data.seen_at).not.toBeNull();
    await expect.poll(() => statusOf(first)).toBe('read');
    const timeline = (await kit.request('GET', `/api/v1/notifications/${first}`)).body.data.timeline;
    expect(timeline.map((e: { status: string }) => e.status)).toEqual(['queued', 'sending', 'delivered', 'read']);
    expect(await counts(ada.token)).toEqual({ unread: 2, unseen: 2, total: 3 });

    expect((await kit.request('POST', `/api/v1/inbox/${first}/unread`, { auth: ada.token })).body.data.read_at).toBeNull();
    expect(await counts(ada.token)).toEqual({ unread: 3, unseen: 2, total: 3 });
    expect(await statusOf(first)).toBe('read');

    await kit.request('POST', `/api/v1/inbox/${second}/archive`, { auth: ada.token });
    expect(await counts(ada.token)).toEqual({ unread: 2, unseen: 1, total: 2 });
    expect((await feed(ada.token, '?status=archived')).body.data.map((i: { id: string }) => i.id)).toEqual([second]);
    expect((await feed(ada.token)).body.data.map((i: { id: string }) => i.id)).toEqual([third, first]);

    const seen = await kit.request('POST', '/api/v1/inbox/seen', { auth: ada.token });
    expect(seen.body.data.count).toEqual({ unread: 2, unseen: 0, total: 2 });
    const all = await kit.request('POST', '/api/v1/inbox/read-all', { auth: ada.token });
    expect(all.body.data).toEqual({ marked: 2, count: { unread: 0, unseen: 0, total: 2 } });
    await expect.poll(() => statusOf(third)).toBe('read');
    expect((await feed(ada.token, '?status=read')).body.data.map((i: { id: string }) => i.id)).toEqual([third, first]);
    expect((await feed(ada.token, '?status=unread')).body.data).toEqual([]);
  });

  it('reads items and records their `read` status in one transaction: a failed recording leaves them unread', async () => {
    const ada = await kit.createUser();
    const first = await deliver(ada.id, 'T-1');
    const second = await deliver(ada.id, 'T-2');
    const store = createInboxStore(kit.infra.database.db);
    const failing = async () => {
      throw new Error('timeline write failed');
    };

    await expect(store.readAll(ada.id, failing)).rejects.toThrow('timeline write failed');
    await expect(store.mark(ada.id, first, 'read', failing)).rejects.toThrow('timeline write failed');
    expect(await counts(ada.token)).toEqual({ unread: 2, unseen: 2, total: 2 });

    const all = await kit.request('POST', '/api/v1/inbox/read-all', { auth: ada.token });
    expect(all.body.data.marked).toBe(2);
    // committed with the marks: no wait
    expect([await statusOf(first), await statusOf(second)]).toEqual(['read', 'read']);
  });

  it('raises notification.read for webhook endpoints when the user reads an item', async () => {
    const endpoint = await kit.request('POST', '/api/v1/webhooks', {
      body: { url: 'https://hooks.example.com/notify', events: ['notification.read'] },
    });
    expect(endpoint.status).toBe(201);
    const ada = await kit.createUser();
    const item = await deliver(ada.id, 'W-1');
    await kit.request('POST', `/api/v1/inbox/${item}/read`, { auth: ada.token });
    const raised = rowsOf<{ event_type: string }>(
      await kit.infra.database.db.execute(
        sql`select event_type from webhook_deliveries where endpoint_id = ${endpoint.body.data.id} and notification_id = ${item}`,
      ),
    );
    expect(raised.map((r) => r.event_type)).toEqual(['notification.read']);
  });

  it('pages the feed newest first with a cursor', async () => {
    const ada = await kit.createUser();
    const ids = [];
    for (const order of ['1', '2', '3']) ids.push(await deliver(ada.id, order));

    const first = await feed(ada.token, '?limit=2');
    expect(first.body.data.map((i: { id: string }) => i.id)).toEqual([ids[2], ids[1]]);
    expect(first.body.meta).toMatchObject({ limit: 2, has_next: true });
    const second = await feed(ada.token, `?limit=2&cursor=${first.body.meta.next_cursor}`);
    expect(second.body.data.map((i: { id: string }) => i.id)).toEqual([ids[0]]);
    expect(second.body.meta).toEqual({ limit: 2, has_next: false, next_cursor: null });
    expect((await feed(ada.token, '?cursor=bm9wZQ')).status).toBe(400);
  });

  it('skips a user who switched in-app off, at intake', async () => {
    const ada = await kit.createUser({ preferences: { in_app: false } });
    const res = await kit.request('POST', '/api/v1/notifications', {
      auth: kit.sendKey,
      body: {
        notification_type: 'in_app',
        user_id: ada.id,
        template_code: INBOX_TEMPLATE,
        variables: { name: 'Ada' },
        request_id: 'off-1',
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ status: 'skipped', reason: 'opted_out' });
    expect((await feed(ada.token)).body.data).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { seedInboxTemplate, sendInApp } from '../test-support/inbox-kit.js';
import { openPlatform, type PlatformKit } from '../test-support/platform-kit.js';
import { readSse } from '../test-support/sse-reader.js';

describe('inbox stream (SSE)', () => {
  let kit: PlatformKit;
  beforeAll(async () => {
    kit = await openPlatform(testDatabases()[0]!);
    await seedInboxTemplate(kit);
  });
  afterAll(() => kit.close());

  const open = async (token: string, headers: Record<string, string> = {}) => {
    const res = await kit.gateway.app.request('/api/v1/inbox/stream', {
      headers: { authorization: `Bearer ${token}`, ...headers },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    return readSse(res.body!);
  };

  it('sends the counts, then each item delivered to the user live, with its counts', async () => {
    const ada = await kit.createUser();
    const bob = await kit.createUser();
    const stream = await open(ada.token);
    const other = await open(bob.token);
    try {
      expect(JSON.parse((await stream.next()).data)).toEqual({ unread: 0, unseen: 0, total: 0 });
      await other.nextOf('count');

      const id = await sendInApp(kit, ada.id, 'S-1');
      const item = await stream.next();
      expect(item.event).toBe('notification');
      const body = JSON.parse(item.data);
      expect(body).toMatchObject({ id, title: 'Hi Ada', body: 'Your order S-1 shipped', read_at: null });
      expect(item.id).toBe(String(body.sequence));
      expect(JSON.parse((await stream.next()).data)).toEqual({ unread: 1, unseen: 1, total: 1 });

      // a mark made elsewhere (another tab) reaches the stream as new counts
      await kit.request('POST', `/api/v1/inbox/${id}/read`, { auth: ada.token });
      expect(JSON.parse((await stream.nextOf('count')).data)).toEqual({ unread: 0, unseen: 0, total: 1 });

      // Bob's stream heard nothing of Ada's item: its next event is its own
      const bobs = await sendInApp(kit, bob.id);
      expect(JSON.parse((await other.next()).data).id).toBe(bobs);
    } finally {
      await stream.close();
      await other.close();
    }
  });

  it('replays what a client missed after Last-Event-ID, then follows live', async () => {
    const ada = await kit.createUser();
    const first = await sendInApp(kit, ada.id, 'R-1');
    await expect.poll(async () => (await kit.request('GET', '/api/v1/inbox/count', { auth: ada.token })).body.data.total).toBe(1);
    const seen = await open(ada.token);
    await seen.nextOf('count');
    const items = (await kit.request('GET', '/api/v1/inbox', { auth: ada.token })).body.data;
    expect(items.map((i: { id: string }) => i.id)).toEqual([first]);
    await seen.close();

    // while the tab is closed, two more arrive
    const missed = [await sendInApp(kit, ada.id, 'R-2'), await sendInApp(kit, ada.id, 'R-3')];
    await expect.poll(async () => (await kit.request('GET', '/api/v1/inbox/count', { auth: ada.token })).body.data.total).toBe(3);

    const resumed = await open(ada.token, { 'last-event-id': String(items[0].sequence) });
    try {
      const replayed = [await resumed.next(), await resumed.next()];
      expect(replayed.map((e) => e.event)).toEqual(['notification', 'notification']);
      expect(replayed.map((e) => JSON.parse(e.data).id)).toEqual(missed);
      expect(JSON.parse((await resumed.next()).data)).toEqual({ unread: 3, unseen: 3, total: 3 });
      const live = await sendInApp(kit, ada.id, 'R-4');
      expect(JSON.parse((await resumed.nextOf('notification')).data).id).toBe(live);
    } finally {
      await resumed.close();
    }
  });

  it('refuses a stream without a user credential', async () => {
    expect((await kit.gateway.app.request('/api/v1/inbox/stream')).status).toBe(401);
    const res = await kit.gateway.app.request('/api/v1/inbox/stream', { headers: { authorization: `Bearer ${kit.sendKey}` } });
    expect(res.status).toBe(403);
  });
});

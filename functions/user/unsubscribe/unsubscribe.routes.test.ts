import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { createUnsubscribeUrl } from '../../../shared/unsubscribe-link.js';
import { JWT_SECRET, openUserKit, type UserKit } from '../test-support/user-test-kit.js';

const DAY_MS = 86_400_000;

describe.each(testDatabases())('one-click unsubscribe ($kind)', (target) => {
  let kit: UserKit;
  beforeAll(async () => {
    kit = await openUserKit(target);
  });
  afterAll(() => kit.close());

  const linkFor = (userId: string, category: string, ttlMs = DAY_MS, secret = JWT_SECRET) =>
    createUnsubscribeUrl({ baseUrl: 'https://notify.example.com', secret, userId, category, ttlMs });
  const pathOf = (url: string) => {
    const u = new URL(url);
    return u.pathname + u.search;
  };
  // what Gmail and friends send for List-Unsubscribe-Post (RFC 8058): a form body, no credentials
  const oneClick = (url: string) =>
    kit.app.request(pathOf(url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });

  it('POST with a form body opts the user out of that category, once', async () => {
    const user = await kit.createUser();
    const url = linkFor(user.id, 'marketing');

    const first = await oneClick(url);
    const second = await oneClick(url);

    expect(first.status).toBe(200);
    expect((await first.json()).data).toMatchObject({ unsubscribed: true, category: 'marketing' });
    expect(second.status).toBe(200);
    const prefs = await kit.request('GET', `/api/v1/users/${user.id}/preferences`, { auth: user.token });
    expect(prefs.body.data.opt_out_categories).toEqual(['marketing']);
  });

  it('concurrent one-click unsubscribes of one user all stick (one atomic update each)', async () => {
    const user = await kit.createUser();
    const categories = Array.from({ length: 12 }, (_, i) => `topic_${i}`);

    const answers = await Promise.all(categories.map((category) => oneClick(linkFor(user.id, category))));

    expect(answers.map((a) => a.status)).toEqual(categories.map(() => 200));
    const prefs = await kit.request('GET', `/api/v1/users/${user.id}/preferences`, { auth: user.token });
    expect([...prefs.body.data.opt_out_categories].sort()).toEqual([...categories].sort());
  });

  it('GET only describes the link and changes nothing', async () => {
    const user = await kit.createUser();
    const res = await kit.app.request(pathOf(linkFor(user.id, 'news')));

    expect(res.status).toBe(200);
    expect((await res.json()).data).toMatchObject({ category: 'news', method: 'POST' });
    const prefs = await kit.request('GET', `/api/v1/users/${user.id}/preferences`, { auth: user.token });
    expect(prefs.body.data.opt_out_categories).toEqual([]);
  });

  it('refuses a tampered, foreign-key or expired link with 403', async () => {
    const user = await kit.createUser();
    const other = await kit.createUser();
    const tampered = linkFor(user.id, 'news').replace('category=news', 'category=security');
    const forged = linkFor(user.id, 'news', DAY_MS, 'x'.repeat(40));
    const otherUser = linkFor(user.id, 'news').replace(user.id, other.id);
    const expired = linkFor(user.id, 'news', -DAY_MS);

    for (const url of [tampered, forged, otherUser]) {
      const res = await oneClick(url);
      expect(res.status).toBe(403);
      expect((await res.json()).error).toBe('forbidden');
    }
    const res = await oneClick(expired);
    expect(res.status).toBe(403);
    expect((await res.json()).error).toBe('unsubscribe_link_expired');
  });

  it('answers 404 for a deleted user and 400 without the signature', async () => {
    const user = await kit.createUser();
    const url = linkFor(user.id, 'news');
    await kit.request('DELETE', `/api/v1/users/${user.id}`, { auth: user.token });

    expect((await oneClick(url)).status).toBe(404);
    expect((await kit.app.request(`/api/v1/users/${user.id}/unsubscribe?category=news`, { method: 'POST' })).status).toBe(400);
  });

  it('leaves the JSON-only rule in place for every other route', async () => {
    const res = await kit.app.request('/api/v1/users', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=x',
    });
    expect(res.status).toBe(415);
    expect((await kit.app.request('/api/v1/nope')).status).toBe(404);
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageOf } from '../../../shared/messages.js';
import { done } from '../../../shared/queue/queue.js';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { openPlatform, type PlatformKit } from '../test-support/platform-kit.js';

const emailBody = (recipient: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  notification_type: 'email',
  template_code: 'kit_welcome',
  variables: { name: 'Ada' },
  request_id: randomUUID(),
  ...recipient,
  ...extra,
});

/** Small, so the shared limit shows after a few requests. */
const PER_USER = 6;

describe.each(testDatabases())('a recipient named by external_id on $kind', (target) => {
  let kit: PlatformKit;
  const published: Array<MessageOf<'email'>> = [];
  beforeAll(async () => {
    kit = await openPlatform(target, { env: { RATE_LIMIT_PER_USER_PER_MINUTE: String(PER_USER) } });
    await kit.infra.queue.consume('email', async (message) => {
      published.push(message);
      return done();
    });
  });
  afterAll(() => kit.close());

  const send = (body: unknown) => kit.request('POST', '/api/v1/notifications', { auth: kit.sendKey, body });
  const batch = (notifications: unknown[]) =>
    kit.request('POST', '/api/v1/notifications/batch', { auth: kit.sendKey, body: { notifications } });
  /** A recipient imported with an external id (no password). */
  async function recipient(): Promise<{ id: string; externalId: string; email: string }> {
    const externalId = `crm-${randomUUID()}`;
    const email = `${randomUUID()}@example.com`;
    const res = await kit.request('POST', '/api/v1/users/bulk', {
      auth: kit.sendKey,
      body: { users: [{ external_id: externalId, email, name: 'Ada' }] },
    });
    expect(res.body.data.items[0].status_code).toBe(201);
    return { id: res.body.data.items[0].data.id, externalId, email };
  }

  it('accepts a notification whose recipient is named by external_id, sent to that user', async () => {
    const ada = await recipient();
    const res = await send(emailBody({ external_id: ada.externalId }));
    expect(res.status).toBe(202);
    expect(res.body.data).toMatchObject({ status: 'pending', user_id: ada.id });
    const id = res.body.data.notification_id;
    await expect.poll(() => published.find((m) => m.notification_id === id)).toMatchObject({ user_id: ada.id, to: ada.email });
  });

  it('answers an unknown external id as it answers an unknown user id (404 not_found)', async () => {
    const byExternal = await send(emailBody({ external_id: `nobody-${randomUUID()}` }));
    const byId = await send(emailBody({ user_id: randomUUID() }));
    expect([byExternal.status, byExternal.body.error]).toEqual([404, 'not_found']);
    expect([byId.status, byId.body.error]).toEqual([404, 'not_found']);
    expect(byExternal.body.message).toContain('external_id nobody-');
  });

  it('wants exactly one of user_id and external_id (422 invalid_recipient)', async () => {
    const ada = await recipient();
    const both = await send(emailBody({ user_id: ada.id, external_id: ada.externalId }));
    expect(both.status).toBe(422);
    expect(both.body).toMatchObject({ error: 'invalid_recipient', meta: { given: ['user_id', 'external_id'] } });
    const neither = await send(emailBody({}));
    expect(neither.status).toBe(422);
    expect(neither.body.message).toContain('give user_id or external_id');
  });

  it('replays a repeated request by external_id, and the user id and external id share one rate limit', async () => {
    const ada = await recipient();
    const body = emailBody({ external_id: ada.externalId });
    const first = await send(body);
    const again = await send(body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    // the per-user limit counts both names of the recipient: 2 spent above, PER_USER - 2 more pass
    const statuses: number[] = [];
    for (let i = 0; i < PER_USER; i++) {
      const named = i % 2 === 0 ? { user_id: ada.id } : { external_id: ada.externalId };
      statuses.push((await send(emailBody(named))).status);
    }
    expect(statuses).toEqual([202, 202, 202, 202, 429, 429]);
  });

  it('takes external_id per item of a batch: found, unknown (404) and ambiguous (422) side by side', async () => {
    const ada = await recipient();
    const bob = await recipient();
    const res = await batch([
      emailBody({ external_id: ada.externalId }),
      emailBody({ external_id: `nobody-${randomUUID()}` }),
      emailBody({ user_id: bob.id, external_id: bob.externalId }),
      emailBody({ user_id: bob.id }),
    ]);
    expect(res.status).toBe(207);
    expect(res.body.data.items.map((i: { status_code: number }) => i.status_code)).toEqual([202, 404, 422, 202]);
    expect(res.body.data.items[0].data.user_id).toBe(ada.id);
    expect(res.body.data.items[2].error).toBe('invalid_recipient');
  });

  it('resolves a batch naming many recipients by external id, each to its own user, a repeated id once', async () => {
    const stamp = randomUUID();
    const users = Array.from({ length: 120 }, (_, i) => ({
      external_id: `many-${stamp}-${i}`,
      email: `many-${stamp}-${i}@example.com`,
      name: 'Ada',
    }));
    const imported = await kit.request('POST', '/api/v1/users/bulk', { auth: kit.sendKey, body: { users } });
    const idOf = new Map(
      imported.body.data.items.map((item: { data: { id: string } }, i: number) => [users[i]!.external_id, item.data.id]),
    );
    const named = [...users.map((u) => u.external_id), users[0]!.external_id];
    const res = await batch(named.map((external_id) => emailBody({ external_id })));
    expect(res.body.data.items.map((i: { status_code: number }) => i.status_code)).toEqual(named.map(() => 202));
    expect(res.body.data.items.map((i: { data: { user_id: string } }) => i.data.user_id)).toEqual(
      named.map((external_id) => idOf.get(external_id)),
    );
  });

  it('mints an inbox token for a recipient named by external_id, and 404 / 422 like the user id', async () => {
    const ada = await recipient();
    const mint = (body: unknown) => kit.request('POST', '/api/v1/inbox/tokens', { auth: kit.sendKey, body });
    const minted = await mint({ external_id: ada.externalId });
    expect(minted.status).toBe(201);
    expect(minted.body.data.user_id).toBe(ada.id);
    const feed = await kit.request('GET', '/api/v1/inbox', { auth: minted.body.data.token });
    expect(feed.status).toBe(200);
    expect((await mint({ external_id: `nobody-${randomUUID()}` })).status).toBe(404);
    expect((await mint({ user_id: ada.id, external_id: ada.externalId })).status).toBe(422);
    expect((await mint({})).status).toBe(422);
  });
});

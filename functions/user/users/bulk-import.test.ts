import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { pushDevices, users } from '../schema.js';
import { BOOTSTRAP_ADMIN_KEY, openUserKit, type UserKit } from '../test-support/user-test-kit.js';
import { planImport } from './recipient-import.js';

const ext = () => `crm-${randomUUID()}`;
const mail = () => `r-${randomUUID()}@example.com`;

describe.each(testDatabases())('POST /api/v1/users/bulk on $kind', (target) => {
  let kit: UserKit;
  let sendKey: string;
  beforeAll(async () => {
    kit = await openUserKit(target);
    const key = await kit.request('POST', '/api/v1/api-keys', {
      auth: BOOTSTRAP_ADMIN_KEY,
      body: { name: 'crm sync', scopes: ['send'] },
    });
    sendKey = key.body.data.key;
  });
  afterAll(() => kit.close());

  const bulk = (list: unknown[], auth = sendKey) => kit.request('POST', '/api/v1/users/bulk', { auth, body: { users: list } });

  it('creates recipients without a password, one item per recipient in order (207)', async () => {
    const [a, b] = [ext(), ext()];
    const res = await bulk([
      { external_id: a, email: mail(), name: 'Ada', preferences: { push: false, language: 'fr' } },
      { external_id: b, email: mail() },
    ]);
    expect(res.status).toBe(207);
    expect(res.body.data).toMatchObject({ created: 2, updated: 0, rejected: 0 });
    expect(res.body.data.items.map((i: { index: number; status_code: number }) => [i.index, i.status_code])).toEqual([
      [0, 201],
      [1, 201],
    ]);
    const ada = await kit.request('GET', `/api/v1/users/${res.body.data.items[0].data.id}`, { auth: BOOTSTRAP_ADMIN_KEY });
    expect(ada.body.data).toMatchObject({
      external_id: a,
      name: 'Ada',
      can_log_in: false,
      preferences: { email: true, push: false, language: 'fr', timezone: 'UTC' },
    });
    // a name defaults to the email address
    expect(res.body.data.items[1].data.name).toBe(res.body.data.items[1].data.email);
  });

  it('a recipient created by a key cannot log in until an admin sets a password', async () => {
    const email = mail();
    const res = await bulk([{ external_id: ext(), email }]);
    const id = res.body.data.items[0].data.id;
    const login = (password: string) => kit.request('POST', '/api/v1/auth/login', { body: { email, password } });
    expect((await login('anything at all')).status).toBe(401);
    const [row] = await kit.database.db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, id));
    expect(row!.hash).toBeNull();
    const set = await kit.request('PATCH', `/api/v1/users/${id}`, {
      auth: BOOTSTRAP_ADMIN_KEY,
      body: { password: 'chosen later on' },
    });
    expect(set.status).toBe(200);
    expect(set.body.data.can_log_in).toBe(true);
    expect((await login('chosen later on')).status).toBe(200);
  });

  it('upserts by external id: a second call updates, and the same data again writes nothing', async () => {
    const id = ext();
    const first = await bulk([{ external_id: id, email: mail(), name: 'Before' }]);
    const userId = first.body.data.items[0].data.id;
    const email = mail();
    const second = await bulk([{ external_id: id, email, name: 'After', preferences: { opt_out_categories: ['marketing'] } }]);
    expect(second.body.data).toMatchObject({ created: 0, updated: 1 });
    expect(second.body.data.items[0]).toMatchObject({
      status_code: 200,
      data: { id: userId, email, name: 'After', created: false },
    });
    expect(await countOf(id)).toBe(1);
    const before = await updatedAt(userId);
    const third = await bulk([{ external_id: id, email, name: 'After', preferences: { opt_out_categories: ['marketing'] } }]);
    expect(third.body.data.items[0].status_code).toBe(200);
    expect(await updatedAt(userId)).toEqual(before);
  });

  async function countOf(externalId: string): Promise<number> {
    return (await kit.database.db.select().from(users).where(eq(users.externalId, externalId))).length;
  }
  async function updatedAt(id: string): Promise<Date> {
    const [row] = await kit.database.db.select({ at: users.updatedAt }).from(users).where(eq(users.id, id));
    return row!.at;
  }

  it('matches by email, case-insensitively, and gives a signed-up user its external id (password kept)', async () => {
    const signedUp = await kit.createUser();
    const id = ext();
    const res = await bulk([{ external_id: id, email: signedUp.email.toUpperCase() }]);
    expect(res.body.data.items[0]).toMatchObject({ status_code: 200, data: { id: signedUp.id, external_id: id } });
    const user = await kit.request('GET', `/api/v1/users/${signedUp.id}`, { auth: signedUp.token });
    expect(user.body.data).toMatchObject({ external_id: id, can_log_in: true });
    const byEmailOnly = await bulk([{ email: signedUp.email, name: 'Renamed' }]);
    expect(byEmailOnly.body.data.items[0]).toMatchObject({ status_code: 200, data: { id: signedUp.id, name: 'Renamed' } });
  });

  it('refuses bad items alone and keeps the good ones of the same call', async () => {
    const owner = ext();
    const ownerEmail = mail();
    await bulk([{ external_id: owner, email: ownerEmail }]);
    const dup = ext();
    const good = ext();
    const res = await bulk([
      { external_id: ext(), email: ownerEmail }, // email belongs to another recipient: 409
      { external_id: dup, email: mail() },
      { external_id: dup, email: mail() }, // the same recipient twice: 400
      { external_id: ext() }, // new, without an email: 400
      { email: 'not an email' }, // invalid: 400 naming the field
      {}, // neither id: 400
      { external_id: good, email: mail() },
    ]);
    expect(res.status).toBe(207);
    expect(res.body.data.items.map((i: { status_code: number }) => i.status_code)).toEqual([409, 201, 400, 400, 400, 400, 201]);
    expect(res.body.data).toMatchObject({ created: 2, updated: 0, rejected: 5 });
    expect(res.body.data.items[2].message).toContain('item 1');
    expect(res.body.data.items[4].meta.fields).toEqual([expect.objectContaining({ field: 'email' })]);
    expect(await countOf(good)).toBe(1);
  });

  it('adds push tokens as devices, once each', async () => {
    const res = await bulk([
      {
        external_id: ext(),
        email: mail(),
        push_tokens: [{ push_token: 'tok-1', platform: 'ios' }, { push_token: 'tok-1' }, { push_token: 'tok-2' }],
      },
    ]);
    const id = res.body.data.items[0].data.id;
    const devices = await kit.database.db.select().from(pushDevices).where(eq(pushDevices.userId, id));
    expect(devices.map((d) => d.address).sort()).toEqual(['tok-1', 'tok-2']);
  });

  it('two concurrent calls with the same new recipients create each once', async () => {
    const list = Array.from({ length: 400 }, () => ({ external_id: ext(), email: mail() }));
    const [a, b] = await Promise.all([bulk(list), bulk([...list].reverse())]);
    expect([a.status, b.status]).toEqual([207, 207]);
    const codes = [...a.body.data.items, ...b.body.data.items].map((i: { status_code: number }) => i.status_code);
    expect(codes.filter((c) => c === 201)).toHaveLength(400);
    expect(codes.filter((c) => c === 200)).toHaveLength(400);
    const ids = new Set([...a.body.data.items, ...b.body.data.items].map((i: { data: { id: string } }) => i.data.id));
    expect(ids.size).toBe(400);
  });

  it('needs a send or admin key: 401 without credentials, 403 for a user token; at most 1,000 a call', async () => {
    const user = await kit.createUser();
    const body = { users: [{ email: mail() }] };
    expect((await kit.request('POST', '/api/v1/users/bulk', { body })).status).toBe(401);
    expect((await kit.request('POST', '/api/v1/users/bulk', { auth: user.token, body })).status).toBe(403);
    expect((await bulk([{ email: mail() }], BOOTSTRAP_ADMIN_KEY)).status).toBe(207);
    const tooMany = await bulk(Array.from({ length: 1001 }, () => ({ email: mail() })));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.message).toContain('at most 1000');
  });

  it('takes 1,000 recipients with preferences and tokens in one body (beyond the default body limit)', async () => {
    const list = Array.from({ length: 1000 }, (_, i) => ({
      external_id: ext(),
      email: mail(),
      name: `Recipient ${i}`,
      preferences: { email: true, push: true, language: 'en', timezone: 'Europe/Paris', opt_out_categories: ['marketing'] },
      push_tokens: [{ push_token: `token-${randomUUID()}`, platform: 'android' }],
    }));
    const res = await bulk(list);
    expect(res.status).toBe(207);
    expect(res.body.data.created).toBe(1000);
  });
});

describe.each(testDatabases())('external_id on the users routes on $kind', (target) => {
  let kit: UserKit;
  beforeAll(async () => {
    kit = await openUserKit(target);
  });
  afterAll(() => kit.close());

  it('sign-up cannot claim an external id', async () => {
    const res = await kit.request('POST', '/api/v1/users', {
      body: { name: 'Mallory', email: mail(), password: 'a long password', external_id: 'victim-42' },
    });
    expect(res.status).toBe(201);
    expect(res.body.data.external_id).toBeNull();
  });

  it('only an admin sets or clears external_id (a user token gets 403); a taken one is 409', async () => {
    const me = await kit.createUser();
    const other = await kit.createUser();
    const id = ext();
    expect((await kit.request('PATCH', `/api/v1/users/${me.id}`, { auth: me.token, body: { external_id: id } })).status).toBe(
      403,
    );
    const set = await kit.request('PATCH', `/api/v1/users/${me.id}`, { auth: BOOTSTRAP_ADMIN_KEY, body: { external_id: id } });
    expect(set.status).toBe(200);
    expect(set.body.data.external_id).toBe(id);
    const taken = await kit.request('PATCH', `/api/v1/users/${other.id}`, {
      auth: BOOTSTRAP_ADMIN_KEY,
      body: { external_id: id },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.message).toContain('external_id');
    const listed = await kit.request('GET', `/api/v1/users?external_id=${encodeURIComponent(id)}`, {
      auth: BOOTSTRAP_ADMIN_KEY,
    });
    expect(listed.body.data.map((u: { id: string }) => u.id)).toEqual([me.id]);
    const cleared = await kit.request('PATCH', `/api/v1/users/${me.id}`, {
      auth: BOOTSTRAP_ADMIN_KEY,
      body: { external_id: null },
    });
    expect(cleared.body.data.external_id).toBeNull();
  });

  it('refuses external ids with control characters or surrounding spaces', async () => {
    const me = await kit.createUser();
    for (const bad of [' padded', 'tab\there', 'x'.repeat(201), '']) {
      const res = await kit.request('PATCH', `/api/v1/users/${me.id}`, { auth: BOOTSTRAP_ADMIN_KEY, body: { external_id: bad } });
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
  });
});

describe('planImport', () => {
  const user = (id: string, externalId: string | null, email: string) => ({ id, externalId, email, name: email });

  it('prefers the external id over the email, and refuses one person with two ids', () => {
    const plan = planImport(
      [
        { index: 0, input: { external_id: 'a', email: 'new@x.io' } },
        { index: 1, input: { external_id: 'z', email: 'B@x.io' } },
        { index: 2, input: { external_id: 'c', email: 'c@x.io' } },
      ],
      [user('1', 'a', 'a@x.io'), user('2', 'b', 'b@x.io'), user('3', null, 'c@x.io')],
    );
    expect(plan.updates.map((u) => [u.index, u.user.id, u.user.email, u.user.externalId])).toEqual([
      [0, '1', 'new@x.io', 'a'],
      [2, '3', 'c@x.io', 'c'],
    ]);
    expect(plan.errors.map((e) => [e.index, e.error.status])).toEqual([[1, 409]]);
  });

  it('refuses moving an external id onto an email another recipient has', () => {
    const plan = planImport(
      [{ index: 0, input: { external_id: 'a', email: 'b@x.io' } }],
      [user('1', 'a', 'a@x.io'), user('2', null, 'b@x.io')],
    );
    expect(plan.errors.map((e) => e.error.status)).toEqual([409]);
  });
});

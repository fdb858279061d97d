import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteAuthenticator } from '../../shared/auth/remote-authenticator.js';
import { createMemoryCache } from '../../shared/cache/memory-cache.js';
import { createCacheSeal } from '../../shared/cache/sealed-values.js';
import type { RunningFunction } from '../../shared/runtime/function-module.js';
import { signedPeers } from '../../shared/runtime/signed-peers.js';
import { internalHeaders } from '../../shared/test-support/internal-headers.js';
import { testDatabases } from '../../shared/test-support/test-databases.js';
import { signUnsubscribe } from '../../shared/unsubscribe-link.js';
import { signUserToken } from '../user/auth/user-token.js';
import { userFunction } from '../user/function.js';
import { openPlatform, type PlatformKit } from './test-support/platform-kit.js';
import {
  type Access,
  envelopeProblem,
  fillPath,
  PUBLIC_ROUTES,
  type PublicRoute,
  paramsOf,
  routeName,
} from './test-support/public-routes.js';

/**
 * Access control over every public route (issue 8, item 4): who may call
 * what, through the gateway. `PASS` means the credential gets past
 * authentication and authorization: the answer is whatever the route says
 * to an empty body (2xx, 400, 404, 409), never 401 or 403, never a 5xx.
 */
const PASS = 'pass' as const;
type Expected = typeof PASS | 401 | 403;

/** The credentials a caller may present. `user` is the token of the user in the path; `other_user` of someone else. */
const CREDENTIALS = [
  'none',
  'unknown_key',
  'revoked_key',
  'expired_token',
  'forged_token',
  'alg_none_token',
  'send_key',
  'other_user',
  'user',
  'admin_key',
] as const;
type Credential = (typeof CREDENTIALS)[number];

// prettier-ignore
const MATRIX: Record<Exclude<Access, 'signed-link'>, Record<Credential, Expected>> = {
  //          none  unknown_key revoked_key expired_token forged_token alg_none_token send_key other_user user  admin_key
  public: {
    none: PASS,
    unknown_key: PASS,
    revoked_key: PASS,
    expired_token: PASS,
    forged_token: PASS,
    alg_none_token: PASS,
    send_key: PASS,
    other_user: PASS,
    user: PASS,
    admin_key: PASS,
  },
  send: {
    none: 401,
    unknown_key: 401,
    revoked_key: 401,
    expired_token: 401,
    forged_token: 401,
    alg_none_token: 401,
    send_key: PASS,
    other_user: 403,
    user: 403,
    admin_key: PASS,
  },
  admin: {
    none: 401,
    unknown_key: 401,
    revoked_key: 401,
    expired_token: 401,
    forged_token: 401,
    alg_none_token: 401,
    send_key: 403,
    other_user: 403,
    user: 403,
    admin_key: PASS,
  },
  any: {
    none: 401,
    unknown_key: 401,
    revoked_key: 401,
    expired_token: 401,
    forged_token: 401,
    alg_none_token: 401,
    send_key: PASS,
    other_user: PASS,
    user: PASS,
    admin_key: PASS,
  },
  owner: {
    none: 401,
    unknown_key: 401,
    revoked_key: 401,
    expired_token: 401,
    forged_token: 401,
    alg_none_token: 401,
    send_key: 403,
    other_user: 403,
    user: PASS,
    admin_key: PASS,
  },
};

const [pglite] = testDatabases();

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

interface World {
  kit: PlatformKit;
  /** The user named in `:user_id` paths. */
  target: { id: string; token: string };
  credentials: Record<Credential, string | null>;
  notificationId: string;
}

async function openWorld(): Promise<World> {
  const kit = await openPlatform(pglite!);
  const target = await kit.createUser();
  const other = await kit.createUser();
  // a key revoked before its first use, so no cached credential check can hide the revocation
  const doomed = await kit.request('POST', '/api/v1/api-keys', { body: { name: 'doomed', scopes: ['admin', 'send'] } });
  const revoked = await kit.request('DELETE', `/api/v1/api-keys/${doomed.body.data.id}`);
  if (revoked.status !== 200) throw new Error(`revoke: ${JSON.stringify(revoked.body)}`);
  const secret = kit.infra.jwtSecret;
  const twoHoursAgo = () => Date.now() - 2 * 3600_000;
  const sent = await kit.request('POST', '/api/v1/notifications', {
    auth: kit.sendKey,
    body: {
      notification_type: 'email',
      user_id: target.id,
      template_code: 'kit_welcome',
      variables: { name: 'Ada' },
      request_id: randomUUID(),
    },
  });
  if (sent.status !== 202) throw new Error(`seed notification: ${JSON.stringify(sent.body)}`);
  return {
    kit,
    target,
    notificationId: sent.body.data.notification_id,
    credentials: {
      none: null,
      unknown_key: `nk_${randomUUID().replaceAll('-', '')}`,
      revoked_key: doomed.body.data.key,
      expired_token: (await signUserToken({ userId: target.id, tokenVersion: 0 }, { secret, ttlSeconds: 60, now: twoHoursAgo }))
        .token,
      forged_token: (
        await signUserToken({ userId: target.id, tokenVersion: 0 }, { secret: 'not the platform secret', ttlSeconds: 3600 })
      ).token,
      alg_none_token: `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: target.id, typ: 'user', exp: Math.floor(Date.now() / 1000) + 3600 })}.`,
      send_key: kit.sendKey,
      other_user: other.token,
      user: target.token,
      admin_key: kit.adminKey,
    },
  };
}

function pathFor(world: World, r: PublicRoute): string {
  const values: Record<string, string> = {
    user_id: world.target.id,
    notification_id: world.notificationId,
    code: 'kit_welcome',
    version: '1',
    key_id: randomUUID(),
    device_id: randomUUID(),
    message_id: randomUUID(),
    topic_key: 'kit-topic',
    fanout_id: randomUUID(),
    key: 'kit-flow',
    run_id: randomUUID(),
  };
  return fillPath(r.path, Object.fromEntries(paramsOf(r.path).map((name) => [name, values[name]!])));
}

// destructive rows (DELETE a user) run last for each route, so earlier rows still find what they act on;
// deleting the user revokes its token, so that route runs after every other
const deletesTheUser = (r: PublicRoute) => r.method === 'DELETE' && r.path === '/api/v1/users/:user_id';
const ROUTES = PUBLIC_ROUTES.filter((r) => r.access !== 'signed-link' && !deletesTheUser(r));
const ROWS = [...ROUTES, ...PUBLIC_ROUTES.filter(deletesTheUser)].flatMap((r) =>
  CREDENTIALS.map((credential) => {
    const expected = MATRIX[r.access as Exclude<Access, 'signed-link'>][credential];
    return [`${routeName(r)} with ${credential} -> ${expected}`, r, credential, expected] as const;
  }),
);

describe('access-control matrix over every public route, through the gateway', () => {
  let world: World;
  beforeAll(async () => {
    world = await openWorld();
  });
  afterAll(() => world.kit.close());

  it.each(ROWS)('%s', async (_name, r, credential, expected) => {
    const res = await world.kit.request(r.method, pathFor(world, r), {
      auth: world.credentials[credential],
      ...(r.body && { body: {} }),
    });

    expect(envelopeProblem(res.body), JSON.stringify(res.body)).toBeNull();
    if (expected === PASS) {
      expect([401, 403], JSON.stringify(res.body)).not.toContain(res.status);
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
    } else {
      expect(res.status, JSON.stringify(res.body)).toBe(expected);
    }
  });
});

describe('ownership beyond the matrix', () => {
  let world: World;
  beforeAll(async () => {
    world = await openWorld();
  });
  afterAll(() => world.kit.close());

  it('a send key sees only the notifications it sent; the recipient sees theirs; another user does not', async () => {
    const otherKey = (await world.kit.request('POST', '/api/v1/api-keys', { body: { name: 'other sender', scopes: ['send'] } }))
      .body.data.key as string;
    const path = `/api/v1/notifications/${world.notificationId}`;

    const byOtherKey = await world.kit.request('GET', path, { auth: otherKey });
    const listedByOtherKey = await world.kit.request('GET', '/api/v1/notifications', { auth: otherKey });
    const cancelByOtherKey = await world.kit.request('DELETE', path, { auth: otherKey });
    const byRecipient = await world.kit.request('GET', path, { auth: world.target.token });
    const byOtherUser = await world.kit.request('GET', path, { auth: world.credentials.other_user });
    const bySender = await world.kit.request('GET', path, { auth: world.kit.sendKey });

    expect(byOtherKey.status).toBe(404);
    expect(listedByOtherKey.body.data.map((n: { id: string }) => n.id)).not.toContain(world.notificationId);
    expect(cancelByOtherKey.status).toBe(404);
    expect(byRecipient.status).toBe(200);
    expect(byOtherUser.status).toBe(404);
    expect(bySender.status).toBe(200);
  });

  it("a user token cannot list another user's notifications", async () => {
    const res = await world.kit.request('GET', `/api/v1/notifications?user_id=${world.target.id}`, {
      auth: world.credentials.other_user,
    });

    expect(res.status).toBe(403);
  });

  it('a user token cannot remove another user’s push device', async () => {
    const added = await world.kit.request('POST', `/api/v1/users/${world.target.id}/push-subscriptions`, {
      auth: world.target.token,
      body: { push_token: `tok-${randomUUID()}`, platform: 'android' },
    });
    expect(added.status).toBe(201);

    const removed = await world.kit.request(
      'DELETE',
      `/api/v1/users/${world.target.id}/push-subscriptions/${added.body.data.id}`,
      {
        auth: world.credentials.other_user,
      },
    );
    const still = await world.kit.request('GET', `/api/v1/users/${world.target.id}/push-subscriptions`, {
      auth: world.target.token,
    });

    expect(removed.status).toBe(403);
    expect(still.body.data.map((d: { id: string }) => d.id)).toContain(added.body.data.id);
  });

  it('X-API-Key works like Authorization: Bearer, and a send key there is still not an admin', async () => {
    const asAdmin = await world.kit.request('GET', '/api/v1/api-keys', {
      auth: null,
      headers: { 'x-api-key': world.kit.adminKey },
    });
    const asSender = await world.kit.request('GET', '/api/v1/api-keys', {
      auth: null,
      headers: { 'x-api-key': world.kit.sendKey },
    });

    expect(asAdmin.status).toBe(200);
    expect(asSender.status).toBe(403);
  });

  it('no path under a forwarded prefix reaches the internal routes', async () => {
    const attempts = [
      '/api/v1/users/../../internal/v1/auth/introspect',
      '/api/v1/users/%2e%2e/%2e%2e/internal/v1/auth/introspect',
      '/api/v1/users/..%2f..%2finternal%2fv1%2fauth%2fintrospect',
      '/api/v1/users/..%5c..%5cinternal/v1/auth/introspect',
      '/api/v1/templates/%2e%2e%2f%2e%2e%2finternal/v1/templates/kit_welcome',
      '/api/v1/users//internal/v1/auth/introspect',
    ];
    for (const path of attempts) {
      const res = await world.kit.request('POST', path, { auth: null, body: { credential: world.kit.adminKey } });

      expect([400, 401, 404, 405], `${path}: ${JSON.stringify(res.body)}`).toContain(res.status);
      expect(JSON.stringify(res.body)).not.toContain('"principal"');
    }
  });

  it('one-click unsubscribe: only a valid, unexpired signature for that user and category works', async () => {
    const secret = world.kit.infra.jwtSecret;
    const future = Math.floor(Date.now() / 1000) + 3600;
    const past = Math.floor(Date.now() / 1000) - 60;
    const link = (userId: string, category: string, expires: number, sig: string) =>
      `/api/v1/users/${userId}/unsubscribe?category=${category}&expires=${expires}&sig=${encodeURIComponent(sig)}`;
    const goodSig = signUnsubscribe(secret, { userId: world.target.id, category: 'news', expires: future });

    const forged = await world.kit.request('GET', link(world.target.id, 'news', future, 'AAAA'), { auth: null });
    const otherUser = await world.kit.request('GET', link(randomUUID(), 'news', future, goodSig), { auth: null });
    const otherCategory = await world.kit.request('GET', link(world.target.id, 'billing', future, goodSig), { auth: null });
    const expired = await world.kit.request(
      'GET',
      link(world.target.id, 'news', past, signUnsubscribe(secret, { userId: world.target.id, category: 'news', expires: past })),
      { auth: null },
    );
    const valid = await world.kit.request('GET', link(world.target.id, 'news', future, goodSig), { auth: null });

    expect(forged.status).toBe(403);
    expect(otherUser.status).toBe(403);
    expect(otherCategory.status).toBe(403);
    expect(expired.status).toBe(403);
    expect(expired.body.error).toBe('unsubscribe_link_expired');
    expect(valid.status).toBe(200);
  });
});

describe('revoked API keys', () => {
  let world: World;
  let userApp: RunningFunction;
  beforeAll(async () => {
    world = await openWorld();
    // a second instance of the user function on the same database and secrets: what the user function's own port answers
    userApp = await userFunction.create(world.kit.infra, { fetcher: () => () => Promise.reject(new Error('no peers')) });
  });
  afterAll(() => world.kit.close());

  const introspect = async (credential: string) => {
    const res = await userApp.app.request('/internal/v1/auth/introspect', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...internalHeaders(world.kit.infra.internalSecret, 'user') },
      body: JSON.stringify({ credential }),
    });
    return ((await res.json()) as { data: { principal: unknown } }).data.principal;
  };
  const newKey = async (scopes: string[]) =>
    (await world.kit.request('POST', '/api/v1/api-keys', { body: { name: 'to revoke', scopes } })).body.data as {
      id: string;
      key: string;
    };

  it('the user function refuses a revoked key at once', async () => {
    const key = await newKey(['admin']);
    expect(await introspect(key.key)).toMatchObject({ kind: 'api_key', keyId: key.id });

    await world.kit.request('DELETE', `/api/v1/api-keys/${key.id}`);
    const listed = await userApp.app.request('/api/v1/api-keys', { headers: { authorization: `Bearer ${key.key}` } });

    expect(await introspect(key.key)).toBeNull();
    expect(listed.status).toBe(401);
  });

  it('documented: the gateway caches credential checks, so a revoked key keeps working until its entry expires (30 s shared, 2 s in-process), then 401', async () => {
    const key = await newKey(['send']);
    expect((await world.kit.request('GET', '/api/v1/notifications', { auth: key.key })).status).toBe(200);

    await world.kit.request('DELETE', `/api/v1/api-keys/${key.id}`);
    const withinWindow = await world.kit.request('GET', '/api/v1/notifications', { auth: key.key });
    // what 30 s of waiting does: the cache entry (keyed by the credential's sha256, never the credential) goes away
    await world.kit.infra.cache.del(`auth:${createHash('sha256').update(key.key).digest('base64url')}`);

    expect(withinWindow.status).toBe(200);
    // then the process's own 2 s memo runs out too
    await expect
      .poll(async () => (await world.kit.request('GET', '/api/v1/notifications', { auth: key.key })).status, {
        timeout: 5000,
        interval: 200,
      })
      .toBe(401);
  });

  it('the credential cache honours its TTL: with a short window the revocation reaches the caller by itself', async () => {
    const key = await newKey(['send']);
    const authenticator = createRemoteAuthenticator({
      userFetcher: signedPeers(
        { fetcher: () => async (request) => userApp.app.fetch(request) },
        { self: 'gateway', secret: world.kit.infra.internalSecret },
      ).fetcher('user'),
      cache: createMemoryCache(),
      seal: createCacheSeal('a test secret'),
      ttlMs: 300,
      localTtlMs: 100,
    });
    expect(await authenticator.authenticate(key.key)).toMatchObject({ keyId: key.id });

    await world.kit.request('DELETE', `/api/v1/api-keys/${key.id}`);

    expect(await authenticator.authenticate(key.key)).not.toBeNull();
    await expect.poll(() => authenticator.authenticate(key.key), { timeout: 3000, interval: 100 }).toBeNull();
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../shared/test-support/test-databases.js';
import { openPlatform, type PlatformKit } from './test-support/platform-kit.js';

const [pglite] = testDatabases();

describe('gateway as the one public entry point', () => {
  let kit: PlatformKit;
  beforeAll(async () => {
    kit = await openPlatform(pglite!);
  });
  afterAll(() => kit.close());

  it('forwards users, auth, api-keys and templates to their functions, status and body unchanged', async () => {
    const email = `fwd-${randomUUID()}@example.com`;
    const created = await kit.request('POST', '/api/v1/users/', {
      auth: null,
      body: { name: 'Fwd', email, password: 'a good password' },
      headers: { 'x-correlation-id': 'fwd-1' },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-correlation-id')).toBe('fwd-1');
    const login = await kit.request('POST', '/api/v1/auth/login', { auth: null, body: { email, password: 'a good password' } });
    expect(login.status).toBe(200);
    const templates = await kit.request('GET', '/api/v1/templates?channel=email&limit=1');
    expect(templates.status).toBe(200);
    expect(templates.body.meta.limit).toBe(1);
    const conflict = await kit.request('POST', '/api/v1/users', {
      auth: null,
      body: { name: 'Fwd', email, password: 'a good password' },
    });
    expect(conflict.status).toBe(409);
    expect((await kit.request('GET', '/api/v1/api-keys', { auth: kit.sendKey })).status).toBe(403);
  });

  it('never forwards /internal routes', async () => {
    // the gateway's own internal router answers (no service credential: 401); nothing reaches the user function
    const res = await kit.request('POST', '/internal/v1/auth/introspect', { body: { credential: kit.adminKey } });
    expect(res.status).toBe(401);
    expect(JSON.stringify(res.body)).not.toContain('principal');
  });
});

describe('gateway when the user or template function is down', () => {
  let kit: PlatformKit;
  beforeAll(async () => {
    kit = await openPlatform(pglite!);
  });
  afterAll(() => kit.close());

  it('answers 503 with Retry-After, failing fast once the breaker opens, and recovers', async () => {
    const user = await kit.createUser();
    const body = () => ({
      notification_type: 'email',
      user_id: user.id,
      template_code: 'kit_welcome',
      variables: { name: 'Ada' },
      request_id: randomUUID(),
    });
    expect((await kit.request('POST', '/api/v1/notifications', { auth: kit.sendKey, body: body() })).status).toBe(202);

    kit.setDown('template', true);
    const answers = [];
    for (let i = 0; i < 8; i++) {
      // a new template code each time, so no cached answer hides the outage
      answers.push(
        await kit.request('POST', '/api/v1/notifications', { auth: kit.sendKey, body: { ...body(), template_code: `t${i}` } }),
      );
    }
    for (const res of answers) {
      expect(res.status).toBe(503);
      expect(res.body.error).toBe('service_unavailable');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    // once open, the breaker refuses without trying the network
    expect(answers.at(-1)!.body.message).toContain('circuit open');

    // back up: after the breaker's reset timeout a probe goes through and the template function answers again
    kit.setDown('template', false);
    await expect
      .poll(
        async () =>
          (
            await kit.request('POST', '/api/v1/notifications', {
              auth: kit.sendKey,
              body: { ...body(), template_code: 'no_such_template' },
            })
          ).status,
        { timeout: 15_000, interval: 500 },
      )
      .toBe(404);
  });
});

describe('gateway replays while a lookup fails', () => {
  let kit: PlatformKit;
  beforeAll(async () => {
    // recipients are reused for one second, so the outage below reaches the lookup
    kit = await openPlatform(pglite!, { env: { CACHE_USER_TTL_SECONDS: '1' } });
  });
  afterAll(() => kit.close());

  it('answers a replay with its original response while the user function is down, and a new request with 503', async () => {
    const user = await kit.createUser();
    const body = {
      notification_type: 'email',
      user_id: user.id,
      template_code: 'kit_welcome',
      variables: { name: 'Ada' },
      request_id: randomUUID(),
    };
    const first = await kit.request('POST', '/api/v1/notifications', { auth: kit.sendKey, body });
    expect(first.status).toBe(202);

    kit.setDown('user', true);
    try {
      // new requests fail once the one-second reuse of the recipient has run out
      await expect
        .poll(
          async () =>
            (
              await kit.request('POST', '/api/v1/notifications', {
                auth: kit.sendKey,
                body: { ...body, request_id: randomUUID() },
              })
            ).status,
          {
            timeout: 10_000,
            interval: 200,
          },
        )
        .toBe(503);
      const replay = await kit.request('POST', '/api/v1/notifications', { auth: kit.sendKey, body });
      expect(replay.status).toBe(202);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body.data.notification_id).toBe(first.body.data.notification_id);
    } finally {
      kit.setDown('user', false);
    }
  });
});

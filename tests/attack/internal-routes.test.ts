import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInternalCredentialIssuer, INTERNAL_CREDENTIAL_HEADER } from '../../shared/auth/internal-credential.js';
import { internalHeaders } from '../../shared/test-support/internal-headers.js';
import { type AttackPlatform, openAttackPlatform, type Port } from './support/attack-platform.js';

// Issue 13, item 1: `/internal/v1/*` answered anyone who reached a function's port.
describe('attack: internal routes without a service credential', () => {
  let p: AttackPlatform;
  let victim: Awaited<ReturnType<AttackPlatform['victim']>>;
  beforeAll(async () => {
    p = await openAttackPlatform();
    victim = await p.victim();
  });
  afterAll(() => p.close());

  const deviceCount = async () =>
    (await p.kit.request('GET', `/api/v1/users/${victim.id}/push-subscriptions`, { auth: victim.token })).body.data.length;

  /** What an outsider tries on each function's own port. */
  const attempts = (): Array<{ port: Port; method: string; path: string; body?: unknown }> => [
    { port: 'user', method: 'GET', path: `/internal/v1/users/${victim.id}` },
    { port: 'user', method: 'GET', path: `/internal/v1/users/${victim.id}/devices` },
    { port: 'user', method: 'POST', path: '/internal/v1/recipients/lookup', body: { user_ids: [victim.id], external_ids: [] } },
    { port: 'user', method: 'POST', path: '/internal/v1/auth/introspect', body: { credential: p.kit.adminKey } },
    { port: 'template', method: 'GET', path: '/internal/v1/templates/kit_welcome?channel=email&language=en' },
    {
      port: 'template',
      method: 'POST',
      path: '/internal/v1/templates/kit_welcome/versions/1/render?channel=email',
      body: { variables: { name: 'x' } },
    },
    { port: 'gateway', method: 'GET', path: `/internal/v1/suppressions/${encodeURIComponent(victim.email)}` },
  ];

  it("reads nothing on any function's own port: 401, and no address, key, principal or template in the answer", async () => {
    for (const attempt of attempts()) {
      const res = await p.send(attempt.port, attempt.method, attempt.path, { body: attempt.body });
      expect(res.status, `${attempt.port} ${attempt.method} ${attempt.path}`).toBe(401);
      expect(res.text).not.toContain(victim.email);
      expect(res.text).not.toContain('push_token');
      expect(res.text).not.toContain('principal');
      expect(res.text).not.toContain('Hello');
    }
  });

  it('deletes no device without a credential', async () => {
    const before = await deviceCount();
    expect(before).toBe(1);
    const device = (await p.kit.request('GET', `/api/v1/users/${victim.id}/push-subscriptions`, { auth: victim.token })).body
      .data[0].id;
    const res = await p.send('user', 'DELETE', `/internal/v1/users/${victim.id}/devices/${device}`);
    expect(res.status).toBe(401);
    expect(await deviceCount()).toBe(1);
  });

  it('refuses forged, misaddressed, expired and over-long credentials', async () => {
    const secret = p.kit.infra.internalSecret;
    const path = `/internal/v1/users/${victim.id}`;
    const now = Date.now();
    const forged = {
      'signed with another secret': internalHeaders(randomBytes(32).toString('base64url'), 'user'),
      'meant for the template function': internalHeaders(secret, 'template'),
      expired: {
        [INTERNAL_CREDENTIAL_HEADER]: createInternalCredentialIssuer({
          secret,
          caller: 'gateway',
          now: () => now - 120_000,
        }).issue('user'),
      },
      'valid for ten minutes': {
        [INTERNAL_CREDENTIAL_HEADER]: createInternalCredentialIssuer({
          secret,
          caller: 'gateway',
          now: () => now + 540_000,
        }).issue('user'),
      },
      'a caller that is no function': {
        [INTERNAL_CREDENTIAL_HEADER]: internalHeaders(secret, 'user')[INTERNAL_CREDENTIAL_HEADER]!.replace(
          '.gateway.',
          '.intruder.',
        ),
      },
      garbage: { [INTERNAL_CREDENTIAL_HEADER]: 'v1.gateway.user.9999999999.AAAA' },
    };
    for (const [what, headers] of Object.entries(forged)) {
      const res = await p.send('user', 'GET', path, { headers });
      expect(res.status, what).toBe(401);
      expect(res.text, what).not.toContain(victim.email);
    }
    // the real thing opens it: the refusals above are about the credential, not the route
    const real = await p.send('user', 'GET', path, { headers: internalHeaders(secret, 'user') });
    expect(real.status).toBe(200);
    expect(real.body.data.email).toBe(victim.email);
  });

  it('is not reachable through the gateway either', async () => {
    for (const path of [`/internal/v1/users/${victim.id}`, '/internal/v1/templates/kit_welcome?channel=email']) {
      const res = await p.send('gateway', 'GET', path);
      expect([401, 404], path).toContain(res.status);
      expect(res.text).not.toContain(victim.email);
    }
  });

  it('still serves the functions themselves: intake looks users and templates up with its own credentials', async () => {
    // victim() sent a notification through the gateway: its lookups passed the internal routes
    const seen = await p.send('gateway', 'GET', `/api/v1/notifications/${victim.notificationId}`, { auth: p.kit.sendKey });
    expect(seen.status).toBe(200);
  });
});

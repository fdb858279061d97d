import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../shared/test-support/test-databases.js';
import { verifyPassword } from '../user/auth/password.js';
import { apiKeys, users } from '../user/schema.js';
import { openPlatform, type PlatformKit } from './test-support/platform-kit.js';

/**
 * Secrets (issue 8, item 4): passwords and API keys are stored only as
 * hashes, and no secret (password, API key, user token, admin key, token
 * secret, nor a stored hash) ever reaches a log line, whatever the request
 * and even when it fails.
 */
const [pglite] = testDatabases();

const sha256Hex = (value: string) => createHash('sha256').update(value).digest('hex');

describe('secrets: stored only as hashes, never logged', () => {
  let kit: PlatformKit;
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const newPassword = `pw2-${randomBytes(12).toString('hex')}`;
  const email = `secret-${randomUUID()}@example.com`;
  let userId: string;
  let token: string;
  let apiKey: string;
  let apiKeyId: string;

  beforeAll(async () => {
    kit = await openPlatform(pglite!);

    // the full flow: sign up with a password, log in, make an API key, use it, send with Authorization headers
    const created = await kit.request('POST', '/api/v1/users', { auth: null, body: { name: 'Secretive', email, password } });
    userId = created.body.data.id;
    const login = await kit.request('POST', '/api/v1/auth/login', { auth: null, body: { email, password } });
    token = login.body.data.access_token;
    await kit.request('POST', '/api/v1/auth/login', { auth: null, body: { email, password: `${password}-wrong` } });
    const key = await kit.request('POST', '/api/v1/api-keys', { body: { name: 'flow', scopes: ['send'] } });
    apiKey = key.body.data.key;
    apiKeyId = key.body.data.id;
    await kit.request('POST', '/api/v1/notifications', {
      auth: apiKey,
      headers: { 'x-correlation-id': 'secrets-flow' },
      body: {
        notification_type: 'email',
        user_id: userId,
        template_code: 'kit_welcome',
        variables: { name: 'Ada' },
        request_id: randomUUID(),
      },
    });
    await kit.request('GET', '/api/v1/notifications', { auth: null, headers: { 'x-api-key': apiKey } });
    await kit.request('GET', `/api/v1/users/${userId}`, { auth: token });
    await kit.request('PATCH', `/api/v1/users/${userId}`, { auth: token, body: { password: newPassword } });
    // failures log more than successes: a refused key, a forbidden route, a malformed body carrying the key
    await kit.request('GET', '/api/v1/api-keys', { auth: apiKey });
    await kit.request('POST', '/api/v1/auth/login', { auth: apiKey, body: `{"email":"${email}","password":"${password}"` });
    for (const [name, value] of [
      ['send', 'with bad keys'],
      ['admin', 'oops'],
    ]) {
      await kit.request('POST', '/api/v1/api-keys', { auth: apiKey, body: { name, scopes: [value] } });
    }
  });
  afterAll(() => kit.close());

  it('passwords are stored as salted scrypt hashes, and only as such', async () => {
    const rows = await kit.infra.database.db.select().from(users);
    const row = rows.find((r) => r.id === userId)!;

    expect(row.passwordHash).toMatch(/^scrypt\$4096\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(await verifyPassword(newPassword, row.passwordHash!)).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(password);
    expect(JSON.stringify(rows)).not.toContain(newPassword);
  });

  it('API keys are stored as their sha256, with a short display prefix, never whole', async () => {
    const rows = await kit.infra.database.db.select().from(apiKeys);
    const row = rows.find((r) => r.id === apiKeyId)!;

    expect(row.keyHash).toBe(sha256Hex(apiKey));
    expect(apiKey.startsWith(row.prefix)).toBe(true);
    expect(row.prefix.length).toBeLessThanOrEqual(10);
    expect(JSON.stringify(rows)).not.toContain(apiKey);
    // the bootstrap admin key is config, not a row
    expect(JSON.stringify(rows)).not.toContain(kit.adminKey);
  });

  it('no log line of the whole flow holds a password, an API key, a user token, the admin key or the token secret', () => {
    const logs = kit.infra.logLines.join('');
    expect(kit.infra.logLines.length).toBeGreaterThan(10);

    for (const [name, secret] of Object.entries({
      password,
      newPassword,
      apiKey,
      token,
      tokenSignature: token.split('.')[2]!,
      adminKey: kit.adminKey,
      jwtSecret: kit.infra.jwtSecret,
    })) {
      expect(logs.includes(secret), `${name} is in the logs`).toBe(false);
    }
  });

  it('no log line holds a stored password hash or API key hash, even when a query fails', async () => {
    // a sign-up the database refuses (NUL in the name): the failed insert is logged with its parameters
    const doomedPassword = `pw3-${randomBytes(12).toString('hex')}`;
    await kit.request('POST', '/api/v1/users', {
      auth: null,
      body: { name: 'Eve\u0000', email: `eve-${randomUUID()}@example.com`, password: doomedPassword },
    });
    const logs = kit.infra.logLines.join('');
    const hashes = (await kit.infra.database.db.select().from(users)).flatMap((r) => (r.passwordHash ? [r.passwordHash] : []));
    const keyHashes = (await kit.infra.database.db.select().from(apiKeys)).map((r) => r.keyHash);

    for (const hash of [...hashes, ...keyHashes])
      expect(logs.includes(hash), `stored hash ${hash.slice(0, 20)}… is in the logs`).toBe(false);
    expect(logs.includes(doomedPassword)).toBe(false);
    expect(/scrypt\$\d+\$\d+\$\d+\$[\w-]+\$[\w-]+/.test(logs), 'a scrypt hash (of the refused sign-up) is in the logs').toBe(
      false,
    );
  });
});

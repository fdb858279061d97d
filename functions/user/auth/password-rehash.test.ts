import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OWASP_SCRYPT_COST } from '../../../shared/config-passwords.js';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { users } from '../schema.js';
import { openUserKit, type UserKit } from '../test-support/user-test-kit.js';
import { createPasswordHasher, verifyPassword } from './password.js';

/** How passwords were hashed before: scrypt N=2^14, r=8, p=1. */
const LEGACY = createPasswordHasher({ N: 2 ** 14, r: 8, p: 1 });

describe.each(testDatabases())("scrypt at OWASP's cost, old hashes rehashed on login, on $kind", (target) => {
  let kit: UserKit;
  beforeAll(async () => {
    // the real default cost (128 MiB per hash), not the cheap one of the other suites
    kit = await openUserKit(target, { scrypt: OWASP_SCRYPT_COST });
  });
  afterAll(() => kit.close());

  const storedHash = async (id: string) =>
    (await kit.database.db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, id)))[0]!.hash!;
  const login = (email: string, password: string) => kit.request('POST', '/api/v1/auth/login', { body: { email, password } });

  // one user through it all: every hash at this cost takes a noticeable share of a second
  it('hashes at N=2^17; a user stored with the old hash is refused a wrong password, logs in, and its hash is upgraded', async () => {
    const user = await kit.createUser();
    expect(await storedHash(user.id)).toMatch(/^scrypt\$131072\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    const legacy = await LEGACY.hash(user.password);
    await kit.database.db.update(users).set({ passwordHash: legacy }).where(eq(users.id, user.id));

    expect((await login(user.email, 'not the password')).status).toBe(401);
    expect(await storedHash(user.id)).toBe(legacy);

    const first = await login(user.email, user.password);
    expect(first.status).toBe(200);
    const upgraded = await storedHash(user.id);
    expect(upgraded).not.toBe(legacy);
    expect(upgraded).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect((await login(user.email, user.password)).status).toBe(200);
    expect(await storedHash(user.id)).toBe(upgraded);
    // a rehash is not a password change: the token from the first login still works
    expect((await kit.request('GET', `/api/v1/users/${user.id}`, { auth: first.body.data.access_token })).status).toBe(200);
  });
});

describe('password hashes', () => {
  const hasher = createPasswordHasher({ N: 2 ** 12, r: 8, p: 1 });

  it('say whether they are at the configured cost', async () => {
    const current = await hasher.hash('pw-1');
    const legacy = await LEGACY.hash('pw-1');
    expect(await hasher.verify('pw-1', current)).toEqual({ valid: true, outdated: false });
    expect(await hasher.verify('pw-1', legacy)).toEqual({ valid: true, outdated: true });
    expect(await hasher.verify('pw-2', legacy)).toEqual({ valid: false, outdated: true });
    expect((await hasher.verify('anything', hasher.unusableHash)).valid).toBe(false);
  });

  it('verify many at once: hashes beyond the ones computed at a time wait their turn and each gets its answer', async () => {
    const stored = await hasher.hash('right');
    const answers = await Promise.all(
      Array.from({ length: 7 }, (_, i) => hasher.verify(i % 2 === 0 ? 'right' : 'wrong', stored)),
    );
    expect(answers.map((a) => a.valid)).toEqual([true, false, true, false, true, false, true]);
  });

  it('refuse a stored hash that is malformed or asks for more than the bounds, without computing it', async () => {
    const [, , , , salt, hash] = (await hasher.hash('pw')).split('$');
    for (const stored of [
      `scrypt$${2 ** 30}$8$1$${salt}$${hash}`,
      `scrypt$3000$8$1$${salt}$${hash}`,
      `scrypt$4096$64$1$${salt}$${hash}`,
      // within the bounds of N and r one by one, but 4 GiB and 512 MiB of memory: N·r is bounded too
      `scrypt$${2 ** 20}$32$1$${salt}$${hash}`,
      `scrypt$${2 ** 19}$8$1$${salt}$${hash}`,
      `scrypt$4096$8$1$${salt}$`,
      `bcrypt$4096$8$1$${salt}$${hash}`,
      'scrypt$4096$8$1',
    ]) {
      expect(await verifyPassword('pw', stored), stored).toBe(false);
    }
  });
});

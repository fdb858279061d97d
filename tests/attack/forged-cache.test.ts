import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifications } from '../../functions/gateway/schema.js';
import { openPlatform, type PlatformKit } from '../../functions/gateway/test-support/platform-kit.js';
import type { Cache } from '../../shared/cache/cache.js';
import { createMemoryCache } from '../../shared/cache/memory-cache.js';
import { testDatabases } from '../../shared/test-support/test-databases.js';

/**
 * Attack (issue 13, items 3 and 7): whoever can write to the shared cache
 * (Redis) tries to make a string of their choosing an admin key and to
 * redirect a user's mail; whoever can send requests tries to fill the cache
 * with unknown credentials. Through the gateway, black-box but for the cache
 * the attacker writes to.
 */
const [pglite] = testDatabases();

const credentialKey = (credential: string) => `auth:${createHash('sha256').update(credential).digest('base64url')}`;

/** The memory cache, with the keys stored into it counted. */
function countingCache(): Cache & { keysSet: Set<string> } {
  const inner = createMemoryCache();
  const keysSet = new Set<string>();
  return {
    ...inner,
    keysSet,
    async set(key, value, ttlMs) {
      keysSet.add(key);
      await inner.set(key, value, ttlMs);
    },
  };
}

describe('attack: the shared cache', () => {
  let kit: PlatformKit;
  let cache: ReturnType<typeof countingCache>;
  beforeAll(async () => {
    cache = countingCache();
    kit = await openPlatform(pglite!, { cache });
  });
  afterAll(() => kit.close());

  it('a principal written into the cache by someone else does not make a string an admin key', async () => {
    const forged = `attacker-${randomBytes(16).toString('hex')}`;
    const principal = { kind: 'api_key', keyId: randomUUID(), scopes: ['admin'] };
    // the entry as the gateway wrote it before, and a plausible sealed look-alike
    await cache.set(credentialKey(forged), JSON.stringify({ principal }));
    const forgedToo = `attacker-${randomBytes(16).toString('hex')}`;
    await cache.set(credentialKey(forgedToo), `${randomBytes(32).toString('base64url')}.${JSON.stringify(principal)}`);

    for (const credential of [forged, forgedToo]) {
      expect((await kit.request('GET', '/api/v1/admin/overview', { auth: credential })).status).toBe(401);
      expect((await kit.request('GET', '/api/v1/api-keys', { auth: credential })).status).toBe(401);
    }
  });

  it('a recipient written into the cache by someone else does not redirect the mail', async () => {
    const user = await kit.createUser();
    const attacker = `attacker-${randomUUID()}@example.net`;
    const recipientKey = `user:recipient:${user.id}`;
    const forgedRecipient = {
      id: user.id,
      name: 'Ada',
      email: attacker,
      preferences: { email: true, push: true, language: 'en', timezone: 'UTC', opt_out_categories: [] },
      push_device_count: 0,
    };
    await cache.set(recipientKey, JSON.stringify(forgedRecipient));

    const sent = await kit.request('POST', '/api/v1/notifications', {
      auth: kit.sendKey,
      body: {
        notification_type: 'email',
        user_id: user.id,
        template_code: 'kit_welcome',
        variables: { name: 'Ada' },
        request_id: randomUUID(),
      },
    });
    expect(sent.status).toBe(202);
    const rows = await kit.infra.database.db
      .select({ recipient: notifications.recipient })
      .from(notifications)
      .where(eq(notifications.userId, user.id));
    expect(rows.map((r) => r.recipient)).toEqual([user.email]);
  });

  it('unknown credentials add nothing to the shared cache, so no number of them can push anything out', async () => {
    const before = new Set(cache.keysSet);
    for (let i = 0; i < 50; i++) {
      const res = await kit.request('GET', '/api/v1/notifications', { auth: `random-${randomBytes(24).toString('hex')}` });
      expect(res.status).toBe(401);
    }
    const added = [...cache.keysSet].filter((key) => !before.has(key));
    expect(added).toEqual([]);
  });
});

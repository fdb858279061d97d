import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cache } from '../../../shared/cache/cache.js';
import { createMemoryCache } from '../../../shared/cache/memory-cache.js';
import { createRedisCache } from '../../../shared/cache/redis-cache.js';
import { processEnv } from '../../../shared/config.js';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { openPlatform, type PlatformKit } from '../test-support/platform-kit.js';

// Intake's rate limits, through the gateway: single requests that arrive together share a coalesced
// round, and each of them is still decided on its own, in arrival order.

const caches: Array<{ kind: string; make: () => Cache }> = [{ kind: 'memory', make: () => createMemoryCache() }];
const redisUrl = processEnv().REDIS_URL;
if (redisUrl) caches.push({ kind: 'redis', make: () => createRedisCache({ url: redisUrl, keyPrefix: `test:${randomUUID()}:` }) });

const PER_KEY = 8;
const PER_USER = 6;

describe.each(caches)('intake rate limits on the $kind cache', ({ make }) => {
  let kit: PlatformKit;
  beforeAll(async () => {
    kit = await openPlatform(testDatabases()[0]!, {
      cache: make(),
      env: { RATE_LIMIT_PER_KEY_PER_MINUTE: String(PER_KEY), RATE_LIMIT_PER_USER_PER_MINUTE: String(PER_USER) },
    });
  }, 60_000);
  afterAll(() => kit?.close());

  const newKey = async () =>
    (await kit.request('POST', '/api/v1/api-keys', { body: { name: `sender ${randomUUID()}`, scopes: ['send'] } })).body.data
      .key as string;
  const send = (key: string, userId: string) =>
    kit.request('POST', '/api/v1/notifications', {
      auth: key,
      body: {
        notification_type: 'email',
        user_id: userId,
        template_code: 'kit_welcome',
        variables: { name: 'Ada' },
        request_id: randomUUID(),
      },
    });
  const count = (answers: Array<{ status: number }>, status: number) => answers.filter((a) => a.status === status).length;

  it("lets concurrent requests through up to the key's limit, each with its own RateLimit-Remaining", async () => {
    const key = await newKey();
    const users: Array<{ id: string }> = [];
    for (let i = 0; i < 4; i++) users.push(await kit.createUser());
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => send(key, users[i % 4]!.id)));
    expect(count(answers, 202)).toBe(PER_KEY);
    expect(count(answers, 429)).toBe(12 - PER_KEY);
    const remaining = answers.filter((a) => a.status === 202).map((a) => Number(a.headers.get('ratelimit-remaining')));
    expect(remaining.sort((a, b) => a - b)).toEqual(Array.from({ length: PER_KEY }, (_, i) => i));
    for (const refused of answers.filter((a) => a.status === 429)) {
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.body.message).toMatch(/API key rate limit/);
    }
  });

  it("lets concurrent requests to one recipient through up to the recipient's limit", async () => {
    const key = await newKey();
    const user = await kit.createUser();
    const answers = await Promise.all(Array.from({ length: PER_KEY }, () => send(key, user.id)));
    expect(count(answers, 202)).toBe(PER_USER);
    expect(answers.filter((a) => a.status === 429).map((a) => a.body.message)).toEqual(
      Array.from({ length: PER_KEY - PER_USER }, () => `Rate limit for user ${user.id} exceeded`),
    );
  });

  it("spends none of the key's budget on requests the recipient's limit refuses", async () => {
    const key = await newKey();
    const busy = await kit.createUser();
    const other = await kit.createUser();
    const statuses: number[] = [];
    for (let i = 0; i < PER_USER + 2; i++) statuses.push((await send(key, busy.id)).status);
    for (let i = 0; i < PER_KEY - PER_USER; i++) statuses.push((await send(key, other.id)).status);
    expect(statuses).toEqual([
      ...Array.from({ length: PER_USER }, () => 202),
      429,
      429,
      ...Array.from({ length: PER_KEY - PER_USER }, () => 202),
    ]);
    expect((await send(key, other.id)).status).toBe(429);
  });
});

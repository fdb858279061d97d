import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { testDatabases } from '../../shared/test-support/test-databases.js';
import { openPlatform } from './test-support/platform-kit.js';

it('probe', async () => {
  const kit = await openPlatform(testDatabases()[0]!);
  const raw = async (method: string, path: string, body: string | undefined, headers: Record<string, string> = {}) => {
    const res = await kit.gateway.app.request(path, { method, headers: { 'content-type': 'application/json', ...headers }, body });
    return `${res.status} ${(await res.text()).slice(0, 150)}`;
  };
  for (let i = 0; i < 6; i++) console.log('nul', await raw('POST', '/api/v1/users', JSON.stringify({ name: 'a\u0000b', email: `n${randomUUID()}@example.com`, password: 'a good password' })));
  const key = await kit.request('POST', '/api/v1/api-keys', { body: { name: 'x', scopes: ['send'] } });
  console.log('new key', key.status, JSON.stringify(key.body).slice(0, 150));
  console.log('list with send key (cached)', await raw('GET', '/api/v1/notifications', undefined, { authorization: `Bearer ${kit.sendKey}` }));
  console.log('login', await raw('POST', '/api/v1/auth/login', JSON.stringify({ email: 'a@b.co', password: 'x' })));
  console.log(kit.infra.logLines.filter((l) => l.includes('"level":50')).map((l) => l.slice(0, 600)).join('\n'));
  await kit.close();
  expect(1).toBe(1);
}, 120000);

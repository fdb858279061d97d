import { createMemoryCache } from '/work/main/shared/cache/memory-cache.js';
import { createTemplateClient } from '/work/main/shared/clients/template-client.js';
import { createUserClient } from '/work/main/shared/clients/user-client.js';
import { testDatabases } from '/work/main/shared/test-support/test-databases.js';
import { openTemplateTestKit, pushTemplateBody } from '/work/main/functions/template/test-support/template-test-kit.js';
import { openUserKit } from '/work/main/functions/user/test-support/user-test-kit.js';
const [db] = testDatabases({});
const users = await openUserKit(db!); const templates = await openTemplateTestKit(db!);
const cache = createMemoryCache();
const inP = (app: any) => (r: Request) => Promise.resolve(app.fetch(r));
const uc = createUserClient({ fetcher: inP(users.app), cache, recipientTtlMs: 1000 });
const tc = createTemplateClient({ fetcher: inP(templates.app), cache });
const u = await users.createUser();
await users.request('POST', `/api/v1/users/${u.id}/push-subscriptions`, { auth: u.token, body: { push_token: 'x'.repeat(20) } });
const c = await templates.call('POST', '/api/v1/templates', { body: pushTemplateBody('bench_x') });
const v = c.body.data.version.version;
for (const [name, fn] of [['listDevices', () => uc.listDevices(u.id)], ['render', () => tc.render('bench_x', 'push', v, { name: 'a', link: 'https://x.example' })]] as const) {
  for (let i = 0; i < 50; i++) await fn();
  const t = performance.now();
  await Promise.all(Array.from({ length: 500 }, () => fn()));
  console.log(name, ((performance.now() - t) / 500).toFixed(3), 'ms each (500 concurrent)');
}
process.exit(0);

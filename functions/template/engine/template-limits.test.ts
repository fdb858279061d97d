import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryCache } from '../../../shared/cache/memory-cache.js';
import { createCacheSeal } from '../../../shared/cache/sealed-values.js';
import { createTemplateClient } from '../../../shared/clients/template-client.js';
import { renderPinned } from '../../../shared/delivery/render-pinned.js';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { openTemplateTestKit, type TemplateTestKit, uniqueCode } from '../test-support/template-test-kit.js';

/**
 * liquidjs's own limits (parse length, render time, memory), configured per
 * deployment: a template past one is refused when saved (too long), answered
 * 422 at a preview, and fails its notification with a classified reason at send.
 */
describe.each(testDatabases())('template limits on $kind', (target) => {
  let kit: TemplateTestKit;
  beforeAll(async () => {
    kit = await openTemplateTestKit(target, { engine: { parseLimit: 2_000 } });
  });
  afterAll(() => kit.close());

  const create = (templateCode: string, html: string) =>
    kit.call('POST', '/api/v1/templates', {
      body: { template_code: templateCode, channel: 'email', category: 'limits', content: { subject: 's', html }, variables: [] },
    });

  it('a source longer than the parse limit is refused when saved: 422 naming the field and the limit', async () => {
    const templateCode = uniqueCode('huge');
    const res = await create(templateCode, `<p>${'x'.repeat(2_100)}</p>`);

    expect(res.status).toBe(422);
    expect(res.body.error).toBe('template_limit_exceeded');
    expect(res.body.meta).toMatchObject({ field: 'content.html', limit: 'parse' });
    expect((await kit.call('GET', `/api/v1/templates/${templateCode}`)).status).toBe(404);
    expect((await create(uniqueCode('fits'), `<p>${'x'.repeat(1_900)}</p>`)).status).toBe(201);
  });

  it('a loop over a hundred million fails its notification at send with the limit as its reason', async () => {
    const templateCode = uniqueCode('loop');
    expect((await create(templateCode, '<p>{% for i in (1..100000000) %}x{% endfor %}</p>')).status).toBe(201);
    const templates = createTemplateClient({
      fetcher: kit.peer,
      cache: createMemoryCache(),
      seal: createCacheSeal(randomUUID()),
    });

    const prepared = await renderPinned(
      templates,
      'email',
    )({
      notification_id: randomUUID(),
      user_id: randomUUID(),
      template_code: templateCode,
      template_version: 1,
      variables: {},
    });

    expect(prepared.ok).toBe(false);
    expect(prepared.ok === false && prepared.reason).toMatch(
      /^template could not be rendered: template_limit_exceeded: content\.html allocated more than the memory limit/,
    );
  });
});

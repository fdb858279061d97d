import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import {
  emailTemplateBody,
  openTemplateTestKit,
  pushTemplateBody,
  type TemplateTestKit,
  uniqueCode,
} from '../test-support/template-test-kit.js';

const BASE = '/api/v1/templates';

describe.each(testDatabases())('template routes on $kind', (testDb) => {
  let kit: TemplateTestKit;
  beforeAll(async () => {
    kit = await openTemplateTestKit(testDb);
  });
  afterAll(async () => {
    await kit?.close();
  });

  describe('POST /api/v1/templates', () => {
    it('creates a template with its first version (201), active in the default language', async () => {
      const code = uniqueCode('create');
      const res = await kit.call('POST', BASE, { body: emailTemplateBody(code, { description: 'Hello mail' }) });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        success: true,
        data: {
          template_code: code,
          channel: 'email',
          category: 'onboarding',
          default_language: 'en',
          description: 'Hello mail',
          active_versions: { en: 1 },
          version: { version: 1, language: 'en', is_active: true, content: { subject: 'Hello {{name}}' } },
        },
      });
      expect(res.body.data.id).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('works with a trailing slash', async () => {
      expect((await kit.call('POST', `${BASE}/`, { body: emailTemplateBody(uniqueCode('slash')) })).status).toBe(201);
    });

    it('the same code may exist once per channel; a second one on the same channel is 409', async () => {
      const code = uniqueCode('dup');
      expect((await kit.call('POST', BASE, { body: emailTemplateBody(code) })).status).toBe(201);
      expect((await kit.call('POST', BASE, { body: pushTemplateBody(code) })).status).toBe(201);
      const again = await kit.call('POST', BASE, { body: emailTemplateBody(code) });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ success: false, error: 'conflict', meta: { template_code: code, channel: 'email' } });
    });

    it('401 without or with an unknown credential, 403 with a send key or a user token', async () => {
      const body = emailTemplateBody(uniqueCode('auth'));
      expect((await kit.call('POST', BASE, { as: 'none', body })).status).toBe(401);
      expect((await kit.call('POST', BASE, { as: 'bogus', body })).status).toBe(401);
      expect((await kit.call('POST', BASE, { as: 'send', body })).body).toMatchObject({ error: 'forbidden' });
      expect((await kit.call('POST', BASE, { as: 'user', body })).status).toBe(403);
    });

    it('400 naming every failing field, base and content alike', async () => {
      const res = await kit.call('POST', BASE, {
        body: {
          template_code: 'Bad Code!',
          channel: 'email',
          category: '',
          default_language: 'not a language',
          content: { subject: '', html: 5, extra: true },
          variables: [{ name: '1bad' }, { name: 'ok' }, { name: 'ok' }],
        },
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('validation_error');
      const fields = res.body.meta.fields.map((f: { field: string }) => f.field);
      expect(fields).toEqual(
        expect.arrayContaining([
          'template_code',
          'category',
          'default_language',
          'variables.0.name',
          'variables.2.name',
          'content.subject',
          'content.html',
          'content',
        ]),
      );
    });

    it('400 for an unknown channel, a missing content and an empty body', async () => {
      const badChannel = await kit.call('POST', BASE, { body: emailTemplateBody(uniqueCode('ch'), { channel: 'sms' }) });
      expect(badChannel.status).toBe(400);
      expect(badChannel.body.meta.fields.map((f: { field: string }) => f.field)).toContain('channel');
      const noContent = await kit.call('POST', BASE, { body: emailTemplateBody(uniqueCode('nc'), { content: undefined }) });
      expect(noContent.body.meta.fields.map((f: { field: string }) => f.field)).toContain('content');
      expect((await kit.call('POST', BASE)).status).toBe(400);
    });

    it('push urls must be http(s) when static; a template url is accepted', async () => {
      const bad = await kit.call('POST', BASE, {
        body: pushTemplateBody(uniqueCode('url'), {
          content: { title: 't', body: 'b', url: 'javascript:alert(1)', icon: 'ftp://x' },
        }),
      });
      expect(bad.status).toBe(400);
      expect(bad.body.meta.fields.map((f: { field: string }) => f.field).sort()).toEqual(['content.icon', 'content.url']);
      const good = await kit.call('POST', BASE, {
        body: pushTemplateBody(uniqueCode('url'), {
          content: { title: 't', body: 'b', url: '{{link}}', icon: 'https://cdn.x.test/i.png', data: { k: '{{name}}' } },
        }),
      });
      expect(good.status).toBe(201);
    });

    it('a syntax error is 422 with the field, line and column in message and meta', async () => {
      const res = await kit.call('POST', BASE, {
        body: emailTemplateBody(uniqueCode('syntax'), {
          content: { subject: 'ok {{name}}', html: '<p>Hi</p>\n<p>{% if name %}unclosed</p>' },
        }),
      });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({
        success: false,
        error: 'template_syntax_error',
        meta: { field: 'content.html', line: 2, column: 4 },
      });
      expect(res.body.message).toContain('content.html');
      expect(res.body.message).toContain('line:2, col:4');
    });

    it('include/render cannot be saved (sandbox), undeclared variables are 422', async () => {
      const include = await kit.call('POST', BASE, {
        body: emailTemplateBody(uniqueCode('inc'), { content: { subject: 's', html: "{% include '/etc/passwd' %}" } }),
      });
      expect(include.status).toBe(422);
      expect(include.body.message).toContain('not available');
      const undeclared = await kit.call('POST', BASE, {
        body: emailTemplateBody(uniqueCode('undecl'), { content: { subject: '{{ secret }}', html: '{{ name }}' } }),
      });
      expect(undeclared.status).toBe(422);
      expect(undeclared.body).toMatchObject({ error: 'undeclared_variables', meta: { undeclared: ['secret'] } });
    });
  });

  describe('GET /api/v1/templates', () => {
    const category = `cat${Date.now().toString(36)}`;
    beforeAll(async () => {
      for (let i = 0; i < 3; i++) await kit.call('POST', BASE, { body: emailTemplateBody(uniqueCode('list'), { category }) });
      await kit.call('POST', BASE, { body: pushTemplateBody(uniqueCode('list'), { category }) });
    });

    it('lists with pagination meta and filters by category and channel', async () => {
      const page1 = await kit.call('GET', `${BASE}?category=${category}&limit=2&page=1`, { as: 'send' });
      expect(page1.status).toBe(200);
      expect(page1.body.data).toHaveLength(2);
      expect(page1.body.meta).toEqual({ total: 4, limit: 2, page: 1, total_pages: 2, has_next: true, has_previous: false });
      const page2 = await kit.call('GET', `${BASE}/?category=${category}&limit=2&page=2`, { as: 'send' });
      expect(page2.body.meta).toMatchObject({ page: 2, has_next: false, has_previous: true });
      const codes = [...page1.body.data, ...page2.body.data].map((t: { template_code: string }) => t.template_code);
      expect(new Set(codes).size).toBe(4);

      const push = await kit.call('GET', `${BASE}?category=${category}&channel=push`, { as: 'send' });
      expect(push.body.meta.total).toBe(1);
      expect(push.body.data[0]).toMatchObject({ channel: 'push', active_versions: { en: 1 } });
    });

    it('400 on bad pagination or filters, 401 without a key, 403 for a user token', async () => {
      const bad = await kit.call('GET', `${BASE}?page=0&limit=1000&channel=fax`, { as: 'send' });
      expect(bad.status).toBe(400);
      expect(bad.body.meta.fields.map((f: { field: string }) => f.field).sort()).toEqual(['channel', 'limit', 'page']);
      expect((await kit.call('GET', BASE, { as: 'none' })).status).toBe(401);
      expect((await kit.call('GET', BASE, { as: 'user' })).status).toBe(403);
    });
  });

  describe('GET /api/v1/templates/:code', () => {
    it('returns the template with its active version content; admin implies send', async () => {
      const code = uniqueCode('get');
      await kit.call('POST', BASE, { body: emailTemplateBody(code) });
      for (const as of ['send', 'admin'] as const) {
        const res = await kit.call('GET', `${BASE}/${code}/`, { as });
        expect(res.status).toBe(200);
        expect(res.body.data).toMatchObject({
          template_code: code,
          requested_language: null,
          version: { version: 1, language: 'en', is_active: true, content: { html: expect.stringContaining('{{name}}') } },
        });
      }
    });

    it('falls back fr-CA -> fr -> default language', async () => {
      const code = uniqueCode('fallback');
      await kit.call('POST', BASE, { body: emailTemplateBody(code) });
      const frBody = {
        language: 'fr',
        content: { subject: 'Bonjour {{name}}', html: '<p>Bonjour</p>' },
        variables: [{ name: 'name' }],
      };
      expect((await kit.call('POST', `${BASE}/${code}/versions`, { body: frBody })).status).toBe(201);

      const frCa = await kit.call('GET', `${BASE}/${code}?language=fr-CA`, { as: 'send' });
      expect(frCa.body.data).toMatchObject({ requested_language: 'fr-CA', version: { language: 'fr', version: 2 } });
      const lowercase = await kit.call('GET', `${BASE}/${code}?language=fr-ca`, { as: 'send' });
      expect(lowercase.body.data).toMatchObject({ requested_language: 'fr-CA', version: { language: 'fr' } });
      const de = await kit.call('GET', `${BASE}/${code}?language=de-AT`, { as: 'send' });
      expect(de.body.data).toMatchObject({ requested_language: 'de-AT', version: { language: 'en', version: 1 } });
    });

    it('?version= returns that exact version, 404 when it does not exist', async () => {
      const code = uniqueCode('ver');
      await kit.call('POST', BASE, { body: emailTemplateBody(code) });
      await kit.call('POST', `${BASE}/${code}/versions`, {
        body: { content: { subject: 'v2', html: 'v2 {{name}}' }, variables: [{ name: 'name' }] },
      });
      const v1 = await kit.call('GET', `${BASE}/${code}?version=1`, { as: 'send' });
      expect(v1.body.data.version).toMatchObject({ version: 1, is_active: false, content: { subject: 'Hello {{name}}' } });
      const missing = await kit.call('GET', `${BASE}/${code}?version=9`, { as: 'send' });
      expect(missing.status).toBe(404);
      expect((await kit.call('GET', `${BASE}/${code}?version=abc`, { as: 'send' })).status).toBe(400);
    });

    it('a code on both channels answers every variant without ?channel=, one with it', async () => {
      const code = uniqueCode('both');
      await kit.call('POST', BASE, { body: emailTemplateBody(code) });
      await kit.call('POST', BASE, { body: pushTemplateBody(code) });
      const both = await kit.call('GET', `${BASE}/${code}`, { as: 'send' });
      expect(both.status).toBe(200);
      expect(both.body.data).toMatchObject({ channel: 'email', template_code: code });
      expect(both.body.data.variants).toEqual([
        expect.objectContaining({
          channel: 'email',
          version: expect.objectContaining({ content: expect.objectContaining({ subject: 'Hello {{name}}' }) }),
        }),
        expect.objectContaining({
          channel: 'push',
          version: expect.objectContaining({ content: expect.objectContaining({ title: 'Hi {{name}}' }) }),
        }),
      ]);
      const push = await kit.call('GET', `${BASE}/${code}?channel=push`, { as: 'send' });
      expect(push.body.data).toMatchObject({ channel: 'push', version: { content: { title: 'Hi {{name}}' } } });
      expect(push.body.data.variants).toBeUndefined();
    });

    it('404 for an unknown code or a channel it does not have; 400 for a malformed code', async () => {
      const code = uniqueCode('only_email');
      await kit.call('POST', BASE, { body: emailTemplateBody(code) });
      expect((await kit.call('GET', `${BASE}/nope_${code}`, { as: 'send' })).body).toMatchObject({ error: 'not_found' });
      expect((await kit.call('GET', `${BASE}/${code}?channel=push`, { as: 'send' })).status).toBe(404);
      expect((await kit.call('GET', `${BASE}/Not%20A%20Code`, { as: 'send' })).status).toBe(400);
      expect((await kit.call('GET', `${BASE}/${code}`, { as: 'none' })).status).toBe(401);
    });
  });

  describe('PATCH /api/v1/templates/:code', () => {
    it('updates metadata (admin only)', async () => {
      const code = uniqueCode('patch');
      await kit.call('POST', BASE, { body: emailTemplateBody(code) });
      const res = await kit.call('PATCH', `${BASE}/${code}`, { body: { category: 'security', description: 'changed' } });
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ category: 'security', description: 'changed', default_language: 'en' });
      expect(new Date(res.body.data.updated_at).getTime()).toBeGreaterThanOrEqual(new Date(res.body.data.created_at).getTime());
      const cleared = await kit.call('PATCH', `${BASE}/${code}/`, { body: { description: null } });
      expect(cleared.body.data.description).toBeNull();
      expect((await kit.call('PATCH', `${BASE}/${code}`, { as: 'send', body: { category: 'x' } })).status).toBe(403);
    });

    it('400 for an empty or unknown patch, 404 for an unknown code', async () => {
      const code = uniqueCode('patch_bad');
      await kit.call('POST', BASE, { body: emailTemplateBody(code) });
      expect((await kit.call('PATCH', `${BASE}/${code}`, { body: {} })).status).toBe(400);
      const unknown = await kit.call('PATCH', `${BASE}/${code}`, { body: { template_code: 'renamed' } });
      expect(unknown.status).toBe(400);
      expect((await kit.call('PATCH', `${BASE}/missing_${code}`, { body: { category: 'x' } })).status).toBe(404);
    });

    it('the default language can move only to a language with an active version (422 otherwise)', async () => {
      const code = uniqueCode('deflang');
      await kit.call('POST', BASE, { body: emailTemplateBody(code) });
      const refused = await kit.call('PATCH', `${BASE}/${code}`, { body: { default_language: 'fr' } });
      expect(refused.status).toBe(422);
      await kit.call('POST', `${BASE}/${code}/versions`, {
        body: { language: 'fr', content: { subject: 's', html: 'h' }, variables: [] },
      });
      const moved = await kit.call('PATCH', `${BASE}/${code}`, { body: { default_language: 'fr' } });
      expect(moved.body.data.default_language).toBe('fr');
      const get = await kit.call('GET', `${BASE}/${code}?language=de`, { as: 'send' });
      expect(get.body.data.version.language).toBe('fr');
    });
  });

  describe('POST /api/v1/templates/:code/render', () => {
    it('renders email: html escaped, subject and derived text not', async () => {
      const code = uniqueCode('render');
      await kit.call('POST', BASE, { body: emailTemplateBody(code) });
      const evil = '<script>alert(1)</script>';
      const res = await kit.call('POST', `${BASE}/${code}/render`, {
        as: 'send',
        body: { variables: { name: evil, link: 'https://x.test/go' } },
      });
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ template_code: code, channel: 'email', language: 'en', version: 1 });
      const { subject, html, text } = res.body.data.content;
      expect(subject).toBe(`Hello ${evil}`);
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html).not.toContain('<script>');
      expect(text).toBe(`Hi ${evil}, go (https://x.test/go)`);
    });

    it('an explicit text part is rendered unescaped', async () => {
      const code = uniqueCode('render_text');
      await kit.call('POST', BASE, {
        body: emailTemplateBody(code, { content: { subject: 's', html: '<b>{{name}}</b>', text: 'Text: {{name}}' } }),
      });
      const res = await kit.call('POST', `${BASE}/${code}/render/`, { as: 'send', body: { variables: { name: '<i>&' } } });
      expect(res.body.data.content).toEqual({ subject: 's', html: '<b>&lt;i&gt;&amp;</b>', text: 'Text: <i>&' });
    });

    it('422 naming the missing required variables', async () => {
      const code = uniqueCode('render_missing');
      await kit.call('POST', BASE, {
        body: emailTemplateBody(code, {
          variables: [
            { name: 'name', required: true },
            { name: 'link', required: true },
          ],
        }),
      });
      const res = await kit.call('POST', `${BASE}/${code}/render`, { as: 'send', body: { variables: { name: '' } } });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ success: false, error: 'missing_variables', meta: { missing: ['name', 'link'] } });
      expect(res.body.message).toContain('name, link');
    });

    it('renders with language fallback or a pinned version, and push with its channel', async () => {
      const code = uniqueCode('render_lang');
      await kit.call('POST', BASE, { body: emailTemplateBody(code) });
      await kit.call('POST', BASE, { body: pushTemplateBody(code) });
      await kit.call('POST', `${BASE}/${code}/versions?channel=email`, {
        body: { language: 'fr', content: { subject: 'Salut {{name}}', html: 'x' }, variables: [{ name: 'name' }] },
      });
      const fr = await kit.call('POST', `${BASE}/${code}/render?channel=email`, {
        as: 'send',
        body: { variables: { name: 'Zoé' }, language: 'fr-CA' },
      });
      expect(fr.body.data).toMatchObject({
        requested_language: 'fr-CA',
        language: 'fr',
        version: 2,
        content: { subject: 'Salut Zoé' },
      });
      const pinned = await kit.call('POST', `${BASE}/${code}/render?channel=email`, {
        as: 'send',
        body: { variables: { name: 'Zoé' }, language: 'fr', version: 1 },
      });
      expect(pinned.body.data).toMatchObject({ language: 'en', version: 1, content: { subject: 'Hello Zoé' } });
      const push = await kit.call('POST', `${BASE}/${code}/render?channel=push`, {
        as: 'send',
        body: { variables: { name: '<Zoé>', link: 'https://x.test/a' } },
      });
      expect(push.body.data.content).toEqual({ title: 'Hi <Zoé>', body: 'Open https://x.test/a', url: 'https://x.test/a' });
      expect((await kit.call('POST', `${BASE}/${code}/render`, { as: 'send', body: { variables: {} } })).status).toBe(400);
    });

    it('422 when a push url renders to something that is not a URL', async () => {
      const code = uniqueCode('render_url');
      await kit.call('POST', BASE, { body: pushTemplateBody(code) });
      const res = await kit.call('POST', `${BASE}/${code}/render`, {
        as: 'send',
        body: { variables: { name: 'a', link: 'javascript:alert(1)' } },
      });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ error: 'render_failed', meta: { field: 'content.url' } });
    });

    it('400 for a bad body, 401/403 for bad callers, 404 for an unknown code, 415 for a non-JSON body', async () => {
      const code = uniqueCode('render_bad');
      await kit.call('POST', BASE, { body: emailTemplateBody(code) });
      const bad = await kit.call('POST', `${BASE}/${code}/render`, { as: 'send', body: { variables: 'x', version: 0 } });
      expect(bad.status).toBe(400);
      expect(bad.body.meta.fields.map((f: { field: string }) => f.field).sort()).toEqual(['variables', 'version']);
      expect((await kit.call('POST', `${BASE}/${code}/render`, { as: 'none', body: {} })).status).toBe(401);
      expect((await kit.call('POST', `${BASE}/${code}/render`, { as: 'user', body: {} })).status).toBe(403);
      expect((await kit.call('POST', `${BASE}/x_${code}/render`, { as: 'send', body: {} })).status).toBe(404);
      expect((await kit.call('POST', `${BASE}/${code}/render`, { as: 'send', body: '{"variables": ' })).status).toBe(400);
      const res = await kit.app.request(`${BASE}/${code}/render`, {
        method: 'POST',
        headers: { authorization: 'Bearer test-send-key-00000000000000000', 'content-type': 'text/plain' },
        body: 'hi',
      });
      expect(res.status).toBe(415);
    });
  });

  it('health and readiness answer', async () => {
    expect((await kit.call('GET', '/health', { as: 'none' })).status).toBe(200);
    expect((await kit.call('GET', '/health/ready', { as: 'none' })).body).toMatchObject({
      data: { dependencies: { database: 'ok' } },
    });
  });
});

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

const versionBody = (subject: string, extra: Record<string, unknown> = {}) => ({
  content: { subject, html: `<p>${subject} {{name}}</p>` },
  variables: [{ name: 'name', required: true }],
  ...extra,
});

describe.each(testDatabases())('template version routes on $kind', (testDb) => {
  let kit: TemplateTestKit;
  beforeAll(async () => {
    kit = await openTemplateTestKit(testDb);
  });
  afterAll(async () => {
    await kit?.close();
  });

  async function newTemplate(prefix: string) {
    const code = uniqueCode(prefix);
    expect((await kit.call('POST', BASE, { body: emailTemplateBody(code) })).status).toBe(201);
    return code;
  }

  describe('POST /api/v1/templates/:code/versions', () => {
    it('adds a version numbered after the last and makes it active (201)', async () => {
      const code = await newTemplate('add');
      const res = await kit.call('POST', `${BASE}/${code}/versions/`, { body: versionBody('second') });
      expect(res.status).toBe(201);
      expect(res.body.data).toMatchObject({ version: 2, language: 'en', is_active: true, content: { subject: 'second' } });
      const current = await kit.call('GET', `${BASE}/${code}`, { as: 'send' });
      expect(current.body.data).toMatchObject({ active_versions: { en: 2 }, version: { version: 2 } });
    });

    it('numbers per template across languages; activate:false keeps the current one', async () => {
      const code = await newTemplate('draft');
      const fr = await kit.call('POST', `${BASE}/${code}/versions`, { body: versionBody('fr', { language: 'fr' }) });
      expect(fr.body.data).toMatchObject({ version: 2, language: 'fr', is_active: true });
      const draft = await kit.call('POST', `${BASE}/${code}/versions`, { body: versionBody('draft', { activate: false }) });
      expect(draft.status).toBe(201);
      expect(draft.body.data).toMatchObject({ version: 3, language: 'en', is_active: false });
      const current = await kit.call('GET', `${BASE}/${code}`, { as: 'send' });
      expect(current.body.data.active_versions).toEqual({ en: 1, fr: 2 });
    });

    it('concurrent writers get distinct, gapless numbers', async () => {
      const code = await newTemplate('race');
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) => kit.call('POST', `${BASE}/${code}/versions`, { body: versionBody(`v${i}`) })),
      );
      expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
      expect(results.map((r) => r.body.data.version).sort()).toEqual([2, 3, 4, 5, 6]);
    });

    it('content is checked against the template channel, with every field named', async () => {
      const code = uniqueCode('push_ver');
      await kit.call('POST', BASE, { body: pushTemplateBody(code) });
      const res = await kit.call('POST', `${BASE}/${code}/versions`, {
        body: { content: { subject: 'email field on push', html: 'x' }, variables: [{ name: 'bad name' }], language: 'xx_1' },
      });
      expect(res.status).toBe(400);
      const fields = res.body.meta.fields.map((f: { field: string }) => f.field);
      expect(fields).toEqual(
        expect.arrayContaining(['language', 'variables.0.name', 'content.title', 'content.body', 'content']),
      );
    });

    it('a syntax error is 422 with line and column, and nothing is saved', async () => {
      const code = await newTemplate('ver_syntax');
      const res = await kit.call('POST', `${BASE}/${code}/versions`, {
        body: { content: { subject: 'ok', html: 'line 1\nline 2\n   {{ name' }, variables: [{ name: 'name' }] },
      });
      expect(res.status).toBe(422);
      expect(res.body.meta).toMatchObject({ field: 'content.html', line: 3, column: 4 });
      const history = await kit.call('GET', `${BASE}/${code}/versions`, { as: 'send' });
      expect(history.body.meta.total).toBe(1);
    });

    it('401, 403, 404 and ambiguous channel', async () => {
      const code = await newTemplate('ver_auth');
      expect((await kit.call('POST', `${BASE}/${code}/versions`, { as: 'none', body: versionBody('x') })).status).toBe(401);
      expect((await kit.call('POST', `${BASE}/${code}/versions`, { as: 'send', body: versionBody('x') })).status).toBe(403);
      expect((await kit.call('POST', `${BASE}/nope_${code}/versions`, { body: versionBody('x') })).status).toBe(404);
      await kit.call('POST', BASE, { body: pushTemplateBody(code) });
      const ambiguous = await kit.call('POST', `${BASE}/${code}/versions`, { body: versionBody('x') });
      expect(ambiguous.body.error).toBe('ambiguous_channel');
      expect((await kit.call('POST', `${BASE}/${code}/versions?channel=email`, { body: versionBody('x') })).status).toBe(201);
    });
  });

  describe('GET /api/v1/templates/:code/versions', () => {
    it('lists the history newest first, paginated, filterable by language', async () => {
      const code = await newTemplate('history');
      await kit.call('POST', `${BASE}/${code}/versions`, { body: versionBody('two') });
      await kit.call('POST', `${BASE}/${code}/versions`, { body: versionBody('three', { language: 'fr' }) });
      await kit.call('POST', `${BASE}/${code}/versions`, { body: versionBody('four') });

      const page = await kit.call('GET', `${BASE}/${code}/versions?limit=3`, { as: 'send' });
      expect(page.status).toBe(200);
      expect(page.body.data.map((v: { version: number }) => v.version)).toEqual([4, 3, 2]);
      expect(page.body.data.map((v: { is_active: boolean }) => v.is_active)).toEqual([true, true, false]);
      expect(page.body.meta).toEqual({ total: 4, limit: 3, page: 1, total_pages: 2, has_next: true, has_previous: false });

      const en = await kit.call('GET', `${BASE}/${code}/versions/?language=en&page=2&limit=2`, { as: 'send' });
      expect(en.body.data.map((v: { version: number }) => v.version)).toEqual([1]);
      expect(en.body.meta).toMatchObject({ total: 3, page: 2, has_previous: true, has_next: false });
    });

    it('400 on bad query, 401 without key, 404 for unknown code', async () => {
      const code = await newTemplate('history_bad');
      expect((await kit.call('GET', `${BASE}/${code}/versions?limit=0`, { as: 'send' })).status).toBe(400);
      expect((await kit.call('GET', `${BASE}/${code}/versions`, { as: 'none' })).status).toBe(401);
      expect((await kit.call('GET', `${BASE}/nope_${code}/versions`, { as: 'send' })).status).toBe(404);
    });
  });

  describe('GET /api/v1/templates/:code/versions/:version', () => {
    it('returns one version; 404 when absent, 400 when not a positive number', async () => {
      const code = await newTemplate('one');
      const res = await kit.call('GET', `${BASE}/${code}/versions/1/`, { as: 'send' });
      expect(res.body.data).toMatchObject({
        version: 1,
        is_active: true,
        variables: [
          { name: 'name', required: true },
          { name: 'link', required: false },
        ],
      });
      expect((await kit.call('GET', `${BASE}/${code}/versions/2`, { as: 'send' })).status).toBe(404);
      expect((await kit.call('GET', `${BASE}/${code}/versions/0`, { as: 'send' })).status).toBe(400);
      expect((await kit.call('GET', `${BASE}/${code}/versions/x`, { as: 'send' })).status).toBe(400);
    });
  });

  describe('POST /api/v1/templates/:code/versions/:version/activate', () => {
    it('rolls back to an older version and forward again; versions never change', async () => {
      const code = await newTemplate('rollback');
      const before = await kit.call('GET', `${BASE}/${code}/versions/1`, { as: 'send' });
      await kit.call('POST', `${BASE}/${code}/versions`, { body: versionBody('second') });

      // an empty body, no content type: what `curl -X POST` sends
      const back = await kit.app.request(`${BASE}/${code}/versions/1/activate`, {
        method: 'POST',
        headers: { authorization: 'Bearer test-admin-key-0000000000000000' },
      });
      expect(back.status).toBe(200);
      expect(await back.json()).toMatchObject({ data: { version: 1, is_active: true, previous_active_version: 2 } });
      const rendered = await kit.call('POST', `${BASE}/${code}/render`, { as: 'send', body: { variables: { name: 'A' } } });
      expect(rendered.body.data).toMatchObject({ version: 1, content: { subject: 'Hello A' } });

      const forward = await kit.call('POST', `${BASE}/${code}/versions/2/activate/`, { body: {} });
      expect(forward.body.data).toMatchObject({ version: 2, previous_active_version: 1 });
      const again = await kit.call('POST', `${BASE}/${code}/versions/2/activate`);
      expect(again.body.data).toMatchObject({ version: 2, previous_active_version: 2 });

      const after = await kit.call('GET', `${BASE}/${code}/versions/1`, { as: 'send' });
      expect({ ...after.body.data, is_active: true }).toEqual({ ...before.body.data, is_active: true });
      const history = await kit.call('GET', `${BASE}/${code}/versions`, { as: 'send' });
      expect(history.body.meta.total).toBe(2);
    });

    it('activating a version of another language switches only that language', async () => {
      const code = await newTemplate('rollback_lang');
      await kit.call('POST', `${BASE}/${code}/versions`, { body: versionBody('fr1', { language: 'fr' }) });
      await kit.call('POST', `${BASE}/${code}/versions`, { body: versionBody('fr2', { language: 'fr' }) });
      await kit.call('POST', `${BASE}/${code}/versions/2/activate`);
      const current = await kit.call('GET', `${BASE}/${code}`, { as: 'send' });
      expect(current.body.data.active_versions).toEqual({ en: 1, fr: 2 });
    });

    it('there is no route that edits or deletes a version', async () => {
      const code = await newTemplate('immutable');
      for (const method of ['PUT', 'PATCH', 'DELETE']) {
        // the path reads a version (GET), so another method is 405, never a change
        expect((await kit.call(method, `${BASE}/${code}/versions/1`, { body: versionBody('edited') })).status).toBe(405);
      }
      const version = await kit.call('GET', `${BASE}/${code}/versions/1`);
      expect(JSON.stringify(version.body.data)).not.toContain('edited');
    });

    it('401, 403, 404', async () => {
      const code = await newTemplate('activate_bad');
      expect((await kit.call('POST', `${BASE}/${code}/versions/1/activate`, { as: 'none' })).status).toBe(401);
      expect((await kit.call('POST', `${BASE}/${code}/versions/1/activate`, { as: 'send' })).status).toBe(403);
      expect((await kit.call('POST', `${BASE}/${code}/versions/5/activate`)).status).toBe(404);
    });
  });

  describe('internal routes (a service credential)', () => {
    it('resolve the active version with fallback, fetch an exact version, render a pinned version', async () => {
      const code = await newTemplate('internal');
      await kit.call('POST', `${BASE}/${code}/versions`, { body: versionBody('fr', { language: 'fr' }) });
      await kit.call('POST', `${BASE}/${code}/versions`, { body: versionBody('en draft', { activate: false }) });

      const resolved = await kit.call('GET', `/internal/v1/templates/${code}?channel=email&language=fr-BE`, { as: 'service' });
      expect(resolved.status).toBe(200);
      expect(resolved.body.data).toMatchObject({ template_code: code, version: { version: 2, language: 'fr' } });

      const exact = await kit.call('GET', `/internal/v1/templates/${code}/versions/3?channel=email`, { as: 'service' });
      expect(exact.body.data).toMatchObject({ version: { version: 3, is_active: false, content: { subject: 'en draft' } } });

      const rendered = await kit.call('POST', `/internal/v1/templates/${code}/versions/3/render?channel=email`, {
        as: 'service',
        body: { variables: { name: '<A>' } },
      });
      expect(rendered.body.data).toMatchObject({
        version: 3,
        content: { subject: 'en draft', html: '<p>en draft &lt;A&gt;</p>' },
      });

      const missing = await kit.call('POST', `/internal/v1/templates/${code}/versions/3/render?channel=email`, {
        as: 'service',
        body: { variables: {} },
      });
      expect(missing.status).toBe(422);
      expect(missing.body.meta.missing).toEqual(['name']);
    });

    it('channel is required (400); unknown version or code is 404', async () => {
      const code = await newTemplate('internal_bad');
      expect((await kit.call('GET', `/internal/v1/templates/${code}/versions/1`, { as: 'service' })).status).toBe(400);
      expect((await kit.call('GET', `/internal/v1/templates/${code}/versions/9?channel=email`, { as: 'service' })).status).toBe(
        404,
      );
      expect((await kit.call('GET', `/internal/v1/templates/${code}?channel=push`, { as: 'service' })).status).toBe(404);
    });
  });
});

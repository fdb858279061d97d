import { describe, expect, it } from 'vitest';
import { MissingVariablesError } from '../../../shared/errors.js';
import { assertContentCompiles, missingVariables, renderContent } from './render-content.js';
import { createTemplateEngine } from './template-engine.js';
import { RenderFailedError, TemplateSyntaxError, UndeclaredVariablesError } from './template-errors.js';

const engine = createTemplateEngine();
const NAME_LINK = [
  { name: 'name', required: true },
  { name: 'link', required: false },
];

describe('renderContent', () => {
  it('email: html escaped, subject and explicit text not', async () => {
    const evil = '<script>alert(1)</script>';
    const out = await renderContent(
      engine,
      'email',
      { subject: 'Hi {{name}}', html: '<p>Hi {{name}}</p>', text: 'Hi {{name}}' },
      NAME_LINK,
      { name: evil },
    );
    expect(out).toEqual({ subject: `Hi ${evil}`, html: '<p>Hi &lt;script&gt;alert(1)&lt;/script&gt;</p>', text: `Hi ${evil}` });
  });

  it('email: text is derived from the rendered html when the version has none', async () => {
    const out = await renderContent(
      engine,
      'email',
      { subject: 's', html: '<p>Hi {{name}}</p><p><a href="{{link}}">Open</a></p>' },
      NAME_LINK,
      { name: 'Ada & co', link: 'https://x.test/?a=1&b=2' },
    );
    expect(out).toMatchObject({ text: 'Hi Ada & co\n\nOpen (https://x.test/?a=1&b=2)' });
  });

  it('email: line breaks in a rendered subject are flattened (no header injection)', async () => {
    const out = await renderContent(engine, 'email', { subject: 'Hi {{name}}', html: 'x' }, NAME_LINK, {
      name: 'Ada\r\nBcc: victim@x.test',
    });
    expect(out).toMatchObject({ subject: 'Hi Ada Bcc: victim@x.test' });
  });

  it('push: fields rendered unescaped, url checked, empty optional url left out', async () => {
    const content = { title: 'Hi {{name}}', body: '<b>{{name}}</b>', url: '{{link}}', data: { who: '{{name}}' } };
    expect(await renderContent(engine, 'push', content, NAME_LINK, { name: 'A&B', link: 'https://x.test/p' })).toEqual({
      title: 'Hi A&B',
      body: '<b>A&B</b>',
      url: 'https://x.test/p',
      data: { who: 'A&B' },
    });
    expect(await renderContent(engine, 'push', content, NAME_LINK, { name: 'A' })).not.toHaveProperty('url');
    await expect(
      renderContent(engine, 'push', content, NAME_LINK, { name: 'A', link: 'javascript:alert(1)' }),
    ).rejects.toBeInstanceOf(RenderFailedError);
  });

  it('missing required variables are a MissingVariablesError naming each (undefined, null and empty all count)', async () => {
    const declarations = [
      { name: 'a', required: true },
      { name: 'b', required: true },
      { name: 'c', required: true },
      { name: 'd', required: false },
      { name: 'e', required: true },
    ];
    expect(missingVariables(declarations, { b: null, c: '', e: 0 })).toEqual(['a', 'b', 'c']);
    const err = await renderContent(engine, 'push', { title: 't', body: 'b' }, declarations, { e: false }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MissingVariablesError);
    expect((err as MissingVariablesError).status).toBe(422);
    expect((err as MissingVariablesError).missing).toEqual(['a', 'b', 'c']);
  });

  it('an inherited property does not count as a given variable', () => {
    expect(missingVariables([{ name: 'toString', required: true }], {})).toEqual(['toString']);
  });
});

describe('assertContentCompiles', () => {
  it('names every field with a syntax error, with line and column', () => {
    const err = (() => {
      try {
        assertContentCompiles(engine, 'email', { subject: '{{ name', html: '<p>\n{% if x %}</p>' }, NAME_LINK);
      } catch (e) {
        return e;
      }
    })() as TemplateSyntaxError;
    expect(err).toBeInstanceOf(TemplateSyntaxError);
    expect(err.problems.map((p) => [p.field, p.line, p.column])).toEqual([
      ['content.subject', 1, 1],
      ['content.html', 2, 1],
    ]);
    expect(err.details).toMatchObject({ field: 'content.subject', line: 1, column: 1 });
  });

  it('refuses variables used but not declared', () => {
    expect(() =>
      assertContentCompiles(engine, 'push', { title: '{{ name }}', body: '{{ secret }} {{ other.x }}' }, NAME_LINK),
    ).toThrow(UndeclaredVariablesError);
  });
});

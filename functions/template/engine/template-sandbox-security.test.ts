import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_KEYS } from '../../../shared/test-support/test-authenticator.js';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { openTemplateTestKit, type TemplateTestKit } from '../test-support/template-test-kit.js';

/**
 * Template security (issue 8, item 4): variables are escaped in html and
 * only there; a template cannot reach files, the environment, the network or
 * JavaScript internals; hostile loops are cut off by the engine's limits.
 * Runs against the template app in process, through its public routes.
 */
const [pglite] = testDatabases();

const HOSTILE = {
  script: '<script>alert(1)</script>',
  attribute: '" onmouseover="alert(1)" x="',
  liquid: "{{ 7 | times: 6 }}{% include '/etc/passwd' %}",
};

let kit: TemplateTestKit;
beforeAll(async () => {
  kit = await openTemplateTestKit(pglite!);
});
afterAll(() => kit.close());

const code = () => `sec_${randomBytes(4).toString('hex')}`;

async function createEmailTemplate(content: Record<string, string>, variables: Array<{ name: string; required?: boolean }>) {
  const templateCode = code();
  const res = await kit.call('POST', '/api/v1/templates', {
    body: { template_code: templateCode, channel: 'email', category: 'security', content, variables },
  });
  return { templateCode, res };
}

function render(templateCode: string, variables: Record<string, unknown>) {
  return kit.call('POST', `/api/v1/templates/${templateCode}/render?channel=email`, { as: 'send', body: { variables } });
}

describe('escaping of variables', () => {
  it('html output escapes markup and attribute breakouts; subject and text keep the value as given', async () => {
    const { templateCode, res } = await createEmailTemplate(
      { subject: 'Hi {{name}}', html: '<p>{{name}}</p><a href="{{link}}">go</a>', text: 'Hello {{name}}' },
      [
        { name: 'name', required: true },
        { name: 'link', required: false },
      ],
    );
    expect(res.status).toBe(201);

    const out = await render(templateCode, { name: HOSTILE.script, link: HOSTILE.attribute });

    expect(out.status).toBe(200);
    const { html, subject, text } = out.body.data.content;
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('" onmouseover="');
    expect(html).toMatch(/(&quot;|&#34;) onmouseover=(&quot;|&#34;)alert\(1\)/);
    expect(subject).toBe(`Hi ${HOSTILE.script}`);
    expect(text).toBe(`Hello ${HOSTILE.script}`);
  });

  it('a variable holding liquid is printed, never evaluated', async () => {
    const { templateCode } = await createEmailTemplate({ subject: '{{name}}', html: '<p>{{name}}</p>' }, [
      { name: 'name', required: true },
    ]);

    const out = await render(templateCode, { name: HOSTILE.liquid });

    expect(out.status).toBe(200);
    const { subject, html } = out.body.data.content;
    expect(subject).toBe(HOSTILE.liquid);
    expect(html).toContain('{{ 7 | times: 6 }}');
    expect(html).not.toContain('42');
  });
});

describe('a template cannot reach files, the environment or the network', () => {
  it.each([
    ['include a file', "{% include '/etc/passwd' %}"],
    ['include a relative file', "{% include '../../../package.json' %}"],
    ['render a file', "{% render 'secrets' %}"],
    ['use a layout', "{% layout 'base' %}x"],
    ['call an unknown filter (no fetch, no eval)', '{{ "http://169.254.169.254/latest/meta-data/" | fetch }}'],
  ])('refused when saved: %s', async (_name, source) => {
    const { res } = await createEmailTemplate({ subject: 's', html: source }, []);

    expect([400, 422]).toContain(res.status);
    expect(res.body.success).toBe(false);
  });

  it('process, globals and require are not in scope, even when declared as variables', async () => {
    const names = ['process', 'global', 'globalThis', 'require', 'module', 'Buffer', 'console'];
    const { templateCode, res } = await createEmailTemplate(
      {
        subject: 's',
        html: '<p>[{{ process.env }}][{{ process.env.PATH }}][{{ global }}][{{ globalThis.process }}][{{ require }}][{{ module }}][{{ Buffer }}][{{ console }}]</p>',
      },
      names.map((name) => ({ name, required: false })),
    );
    expect(res.status).toBe(201);

    const out = await render(templateCode, {});

    expect(out.status, JSON.stringify(out.body)).toBe(200);
    expect(out.body.data.content.html).toBe('<p>[][][][][][][][]</p>');
  });

  it.each([
    ['"".constructor', '{{ "".constructor }}'],
    ['name.constructor.constructor', '{{ name.constructor.constructor }}'],
    ['name.__proto__', '{{ name.__proto__ }}'],
    ['name.constructor.name', '{{ name.constructor.name }}'],
    ['obj.constructor.prototype', '{{ obj.constructor.prototype }}'],
    ['obj["__proto__"]', '{{ obj["__proto__"] }}'],
    ['array.constructor via first', '{{ list | first | map: "constructor" }}'],
  ])('JavaScript internals are unreachable: %s', async (_name, source) => {
    const { templateCode, res } = await createEmailTemplate({ subject: 's', html: `<p>${source}</p>` }, [
      { name: 'name', required: false },
      { name: 'obj', required: false },
      { name: 'list', required: false },
    ]);
    // refused at save (it reads an undeclared variable such as `constructor`) or rendered to nothing
    expect([201, 400, 422]).toContain(res.status);
    if (res.status !== 201) return;

    const out = await render(templateCode, { name: 'Ada', obj: { a: 1 }, list: [{ a: 1 }] });

    expect(out.status).toBeLessThan(500);
    const body = JSON.stringify(out.body);
    expect(body).not.toMatch(/function|native code|\[object|Object\b|String\b/);
  });

  it('a __proto__ key in the variables pollutes nothing', async () => {
    const { templateCode } = await createEmailTemplate({ subject: 's', html: '<p>{{ name }}{{ polluted }}</p>' }, [
      { name: 'name', required: false },
      { name: 'polluted', required: false },
    ]);

    const out = await kit.app.request(`/api/v1/templates/${templateCode}/render?channel=email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_KEYS.send}` },
      body: '{"variables":{"name":"Ada","__proto__":{"polluted":"yes","name":"Mallory"}}}',
    });

    expect(out.status).toBeLessThan(500);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.stringify(await out.json())).not.toContain('yes');
  });
});

describe('hostile templates are cut off by the limits', () => {
  it.each([
    [
      'a string doubled in a loop',
      '{% assign x = "ab" %}{% for i in (1..64) %}{% assign x = x | append: x %}{% endfor %}{{ x | size }}',
    ],
    ['a billion-step range', '{% for i in (1..1000000000) %}x{% endfor %}'],
    ['nested loops of 10,000 x 10,000', '{% for a in (1..10000) %}{% for b in (1..10000) %}{% endfor %}{% endfor %}'],
    ['a huge padded date', "{{ 'now' | date: '%1000000000Y' }}"],
    ['a hundred-million-step range', '{% for i in (1..100000000) %}x{% endfor %}'],
  ])('%s: 422 naming the limit it broke, and the function keeps answering', async (_name, source) => {
    const { templateCode, res } = await createEmailTemplate({ subject: 's', html: `<p>${source}</p>` }, []);
    expect(res.status).toBe(201);

    const out = await render(templateCode, {});
    const health = await kit.call('GET', '/health');

    expect(out.status).toBe(422);
    expect(out.body.error).toBe('template_limit_exceeded');
    expect(out.body.meta).toMatchObject({ field: 'content.html' });
    expect(['memory', 'render_time']).toContain(out.body.meta.limit);
    expect(health.status).toBe(200);
  });
});

import { describe, expect, it } from 'vitest';
import { createTemplateEngine, TemplateRenderFailure } from './template-engine.js';

describe('template engine', () => {
  const engine = createTemplateEngine();

  it('renders {{name}}; html mode escapes output, text mode does not', async () => {
    const vars = { name: '<script>alert("x")</script>' };
    expect(await engine.render('Hi {{name}}', vars, 'text')).toBe('Hi <script>alert("x")</script>');
    expect(await engine.render('<p>Hi {{name}}</p>', vars, 'html')).toBe(
      '<p>Hi &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</p>',
    );
  });

  it('the same source keeps separate escaping per mode (parse cache is per mode)', async () => {
    const vars = { v: '<b>' };
    expect(await engine.render('{{v}}', vars, 'html')).toBe('&lt;b&gt;');
    expect(await engine.render('{{v}}', vars, 'text')).toBe('<b>');
    expect(await engine.render('{{v}}', vars, 'html')).toBe('&lt;b&gt;');
  });

  it('check lists the variables a source reads, not the ones it assigns or loops over', () => {
    const result = engine.check('{{ user.name }} {% assign x = 1 %}{{ x }}{% for i in items %}{{ i }}{% endfor %}{{ link }}');
    expect(result.ok && [...result.variables].sort()).toEqual(['items', 'link', 'user']);
  });

  it('check reports syntax errors with line and column', () => {
    const unclosedOutput = engine.check('line one\nHello {{ name ');
    expect(unclosedOutput).toMatchObject({ ok: false, problem: { line: 2, column: 7 } });
    const unclosedTag = engine.check('a\nb\n  {% if x %} never closed');
    expect(unclosedTag).toMatchObject({ ok: false, problem: { line: 3, column: 3 } });
    expect(!unclosedTag.ok && unclosedTag.problem.message).toContain('line:3, col:3');
  });

  it('unknown filters are syntax errors (strict filters), not silently ignored', () => {
    expect(engine.check('{{ name | no_such_filter }}')).toMatchObject({ ok: false, problem: { line: 1 } });
  });

  describe('sandbox', () => {
    it.each([
      ["{% include '/etc/passwd' %}", 'include'],
      ['{% include "../../package.json" %}', 'include'],
      ["{% render '/etc/passwd' %}", 'render'],
      ['{% render %}', 'render'],
      ["{% layout '/etc/passwd' %}", 'layout'],
    ])('%s is refused when the version is saved', (source, tag) => {
      const result = engine.check(source);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.problem.message).toContain(`{% ${tag} %} is not available`);
    });

    it('a refused tag cannot read a file at render time either', async () => {
      const failure = await engine.render("before {% include '/etc/passwd' %} after", {}, 'text').catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(TemplateRenderFailure);
      expect(String((failure as Error).message)).not.toContain('root:');
    });

    it('sees only own properties: no prototype or constructor access', async () => {
      const out = await engine.render(
        '[{{ name.constructor }}][{{ name.__proto__ }}][{{ obj.constructor.name }}][{{ obj.toString }}][{{ obj.inherited }}]',
        { name: 'x', obj: Object.create({ inherited: 'leak' }) },
        'text',
      );
      expect(out).toBe('[][][][][]');
    });

    it('a runaway loop hits the render limit instead of hanging the process', async () => {
      const small = createTemplateEngine({ renderLimitMs: 200 });
      const failure = await small
        .render('{% for i in (1..3000) %}{% for j in (1..3000) %}x{% endfor %}{% endfor %}', {}, 'text')
        .catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(TemplateRenderFailure);
      expect((failure as TemplateRenderFailure).limit).toBe('render_time');
    });

    it('a range of a hundred million, or a string doubled in a loop, hits the memory limit', async () => {
      for (const source of [
        '{% for i in (1..100000000) %}x{% endfor %}',
        '{% assign x = "ab" %}{% for i in (1..64) %}{% assign x = x | append: x %}{% endfor %}{{ x }}',
      ]) {
        const failure = await engine.render(source, {}, 'text').catch((e: unknown) => e);
        expect(failure, source).toBeInstanceOf(TemplateRenderFailure);
        expect((failure as TemplateRenderFailure).limit, source).toBe('memory');
      }
    });

    it('a huge source is refused by the parse limit, as a limit and not a syntax error', async () => {
      const small = createTemplateEngine({ parseLimit: 100 });
      const check = small.check('x'.repeat(101));
      expect(check).toEqual({ ok: false, problem: { message: 'parse length limit exceeded', limit: 'parse' } });
      expect(small.check('x'.repeat(100)).ok).toBe(true);
      const failure = await small.render('y'.repeat(101), {}, 'text').catch((e: unknown) => e);
      expect((failure as TemplateRenderFailure).limit).toBe('parse');
    });

    it('other render errors carry no limit', async () => {
      const variables = {
        get boom(): string {
          throw new Error('a variable that throws');
        },
      };
      const failure = await engine.render('{{ boom }}', variables, 'text').catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(TemplateRenderFailure);
      expect((failure as TemplateRenderFailure).limit).toBeUndefined();
    });
  });
});

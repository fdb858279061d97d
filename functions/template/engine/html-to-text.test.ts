import { describe, expect, it } from 'vitest';
import { decodeEntities, htmlToText } from './html-to-text.js';

describe('htmlToText', () => {
  it('turns block tags and <br> into line breaks and collapses source whitespace', () => {
    const html = '<h1>Welcome</h1>\n   <p>Hi   Ada,\n  glad you are here.</p><div>Line one<br>Line two</div>';
    expect(htmlToText(html)).toBe('Welcome\n\nHi Ada, glad you are here.\n\nLine one\nLine two');
  });

  it('keeps the target of a link after its label', () => {
    expect(htmlToText('<p>Click <a href="https://x.test/a?b=1&amp;c=2">here</a>.</p>')).toBe(
      'Click here (https://x.test/a?b=1&c=2).',
    );
  });

  it('shows a link once when the label is the address, and drops javascript: targets', () => {
    expect(htmlToText('<a href="https://x.test">https://x.test</a>')).toBe('https://x.test');
    expect(htmlToText("<a href='mailto:a@x.test'>a@x.test</a>")).toBe('a@x.test');
    expect(htmlToText('<a href="javascript:alert(1)">click</a>')).toBe('click');
  });

  it('decodes entities after removing tags, so escaped markup stays text', () => {
    expect(htmlToText('<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; caf&eacute; &#233; &#x1F600; &copy;</p>')).toBe(
      '<script>alert(1)</script> & caf&eacute; é 😀 ©',
    );
  });

  it('drops head, style, script and comments; lists become dashes; images keep their alt', () => {
    const html =
      '<html><head><title>T</title><style>p{color:red}</style></head><body><!-- hidden --><script>x()</script>' +
      '<ul><li>One</li><li>Two</li></ul><img src="a.png" alt="Logo"></body></html>';
    expect(htmlToText(html)).toBe('- One\n- Two\n\nLogo');
  });

  it('an <abbr> is not a link, and a link never closed is just its text', () => {
    expect(htmlToText('<p><a href="https://x.test">docs</abbr> and more</p>')).toBe('docs and more');
    expect(htmlToText('<p><abbr title="x">HTML</abbr> <a href="https://x.test">docs</a></p>')).toBe('HTML docs (https://x.test)');
    expect(htmlToText('<!DOCTYPE html><p>Hi</p>')).toBe('Hi');
  });

  it('decodeEntities leaves unknown and out-of-range references as written', () => {
    expect(decodeEntities('&bogus; &#99999999; &nbsp;')).toBe('&bogus; &#99999999;  ');
  });

  // Pathological inputs of about 1 MB each: the old converter's patterns backtracked over the rest of the
  // input at every unclosed tag, comment or link (quadratic: it never finished). Each must convert, and
  // convert right; how fast is not asserted.
  describe('linear in its input', () => {
    const MB = 1_000_000;
    const times = (unit: string) => Math.ceil(MB / unit.length);

    it('tags that never close', () => {
      const input = '<a '.repeat(times('<a '));
      expect(htmlToText(input)).toBe(input.trim());
      const divs = `${'<div class="x" '.repeat(times('<div class="x" '))}tail`;
      expect(htmlToText(divs)).toBe(divs);
    });

    it('links that never close, and links inside one link', () => {
      expect(htmlToText('<a href="https://x.test">'.repeat(times('<a href="https://x.test">')))).toBe('');
      const nested = `${'<a href="https://x.test">y'.repeat(times('<a href="https://x.test">y'))}</a>`;
      const label = 'y'.repeat(times('<a href="https://x.test">y'));
      expect(htmlToText(nested)).toBe(`${label} (https://x.test)`);
    });

    it('comments, style and script elements that never close', () => {
      expect(htmlToText(`<p>seen</p>${'<!--'.repeat(times('<!--'))}hidden`)).toBe('seen');
      expect(htmlToText(`${'<style>'.repeat(times('<style>'))}visible`)).toBe('visible');
      expect(htmlToText(`${'<script><p>'.repeat(times('<script><p>'))}x</script>after`)).toBe('after');
    });

    it('attributes, entities and angle brackets by the million', () => {
      const attrs = `<a ${'href= '.repeat(times('href= '))}>z</a>`;
      expect(htmlToText(attrs)).toBe('z (href=)');
      const entities = '&a'.repeat(times('&a'));
      expect(htmlToText(entities)).toBe(entities);
      const brackets = '< '.repeat(times('< '));
      expect(htmlToText(brackets)).toBe(brackets.trim());
      const rows = `<table>${'<tr><td>1</td></tr>'.repeat(times('<tr><td>1</td></tr>'))}</table>`;
      expect(
        htmlToText(rows)
          .split('\n')
          .filter((line) => line === '1'),
      ).toHaveLength(times('<tr><td>1</td></tr>'));
    });
  });
});

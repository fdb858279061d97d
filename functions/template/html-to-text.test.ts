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

  it('decodeEntities leaves unknown and out-of-range references as written', () => {
    expect(decodeEntities('&bogus; &#99999999; &nbsp;')).toBe('&bogus; &#99999999;  ');
  });
});

/**
 * A small HTML -> plain text converter for the text part of an email when a
 * template gives only html. Not a full HTML parser: it handles what email
 * templates use (blocks, line breaks, lists, links, entities), which is all
 * a text part needs. One pass over the input, linear in its length whatever
 * it holds (unclosed tags, comments or links by the million): no pattern that
 * backtracks, and every look-ahead for a closing tag is remembered, so no
 * stretch of the input is scanned twice for the same thing.
 */

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  copy: '©',
  reg: '®',
  trade: '™',
  hellip: '…',
  mdash: '—',
  ndash: '–',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  laquo: '«',
  raquo: '»',
  bull: '•',
  middot: '·',
  euro: '€',
  pound: '£',
  yen: '¥',
  cent: '¢',
  deg: '°',
};

/** Tags dropped with everything in them. */
const HIDDEN = new Set(['head', 'style', 'script', 'title']);
/** Tags that stand apart by a blank line. */
const PARAGRAPHS = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'blockquote', 'ul', 'ol']);
/** Tags that start a line. */
const BLOCKS = new Set([
  ...'address article aside blockquote center dd div dl dt fieldset figcaption figure footer form'.split(' '),
  ...'h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tbody td tfoot th thead tr ul'.split(' '),
]);

/** Decode named (common set), decimal and hex character references; unknown ones stay as written. */
export function decodeEntities(text: string): string {
  // linear: each attempt starts at an `&` and cannot run past the next one
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z][a-z0-9]*);/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

/** The value of attribute `name` in the inside of one tag (`<a ...>` without the brackets). */
function attribute(inside: string, name: 'href' | 'alt'): string | undefined {
  const match = (name === 'href' ? HREF : ALT).exec(inside);
  return match ? (match[1] ?? match[2] ?? match[3]) : undefined;
}
// at most one long scan per call (an unclosed quote falls through to the bare value, which always matches)
const HREF = /\bhref ?= ?(?:"([^"]*)"|'([^']*)'|([^ >]+))/i;
const ALT = /\balt ?= ?(?:"([^"]*)"|'([^']*)'|([^ >]+))/i;

const isLetter = (code: number) => (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
const isNameChar = (code: number) => isLetter(code) || (code >= 48 && code <= 57);

/** ASCII-only lower case: the same length as the input, so indexes carry over. */
const asciiLower = (text: string) => text.replace(/[A-Z]+/g, (run) => run.toLowerCase());

/** The text a link becomes: `label (href)`, or just one of them when they say the same. */
function linkText(label: string, href: string | undefined): string {
  const trimmed = label.trim();
  const target = href?.trim();
  if (!target || target.startsWith('#') || /^javascript:/i.test(target)) return trimmed;
  if (!trimmed || decodeEntities(trimmed) === decodeEntities(target)) return target;
  return decodeEntities(trimmed) === decodeEntities(target.replace(/^mailto:/i, '')) ? trimmed : `${trimmed} (${target})`;
}

/** Convert an HTML document or fragment to readable plain text. */
export function htmlToText(html: string): string {
  // source whitespace is insignificant in HTML; structure comes from tags
  const source = html.replace(/\s+/g, ' ');
  const lower = asciiLower(source);
  const out: string[] = [];
  /** The link being read: its target and the text of its label (tags inside are dropped). */
  let link: { href: string | undefined; label: string[] } | null = null;
  const write = (text: string) => (link ? link.label : out).push(text);

  // where `</name` next occurs at or after a position; -1 when it does not occur after it at all
  const closers = new Map<string, number>();
  const closerAfter = (name: string, from: number): number => {
    const known = closers.get(name);
    if (known !== undefined && (known === -1 || known >= from)) return known;
    let at = lower.indexOf(`</${name}`, from);
    // `</abbr` does not close an `a`
    while (at >= 0 && isNameChar(lower.charCodeAt(at + 2 + name.length))) at = lower.indexOf(`</${name}`, at + 1);
    closers.set(name, at);
    return at;
  };

  let i = 0;
  while (i < source.length) {
    const lt = source.indexOf('<', i);
    if (lt < 0) {
      write(source.slice(i));
      break;
    }
    if (lt > i) write(source.slice(i, lt));
    if (source.startsWith('<!--', lt)) {
      // an unclosed comment hides the rest, as in a browser
      const end = source.indexOf('-->', lt + 4);
      if (end < 0) break;
      i = end + 3;
      continue;
    }
    const closing = source.charCodeAt(lt + 1) === 47; // '/'
    let nameEnd = lt + (closing ? 2 : 1);
    const nameStart = nameEnd;
    const first = source.charCodeAt(nameStart);
    const declaration = !closing && (first === 33 || first === 63); // '<!doctype ...>', '<?xml ...?>'
    if (!declaration && !isLetter(first)) {
      write('<');
      i = lt + 1;
      continue;
    }
    while (nameEnd < source.length && isNameChar(source.charCodeAt(nameEnd))) nameEnd++;
    const gt = source.indexOf('>', nameEnd);
    if (gt < 0) {
      // no tag can close any more: the rest is text
      write(source.slice(lt));
      break;
    }
    i = gt + 1;
    if (declaration) continue;
    const name = lower.slice(nameStart, nameEnd);

    if (!closing && HIDDEN.has(name)) {
      const close = closerAfter(name, i);
      if (close >= 0) {
        const end = source.indexOf('>', close);
        if (end < 0) break;
        i = end + 1;
      }
      continue;
    }
    if (link) {
      if (closing && name === 'a') {
        out.push(linkText(link.label.join(''), link.href));
        link = null;
      }
      continue;
    }
    if (name === 'a' && !closing) {
      // a link keeps its target; one that is never closed is just its text
      if (closerAfter('a', i) >= 0) link = { href: attribute(source.slice(nameEnd, gt), 'href'), label: [] };
      continue;
    }
    if (name === 'img') write(attribute(source.slice(nameEnd, gt), 'alt') ?? '');
    else if (name === 'br') write('\n');
    // the next item's opening tag already starts a line
    else if (name === 'li') write(closing ? '' : '\n- ');
    else if (PARAGRAPHS.has(name)) write('\n\n');
    else if (BLOCKS.has(name)) write('\n');
  }
  if (link) out.push(link.label.join(''));

  return decodeEntities(out.join(''))
    .split('\n')
    .map((line) => line.replace(/[ \t\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

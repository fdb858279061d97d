/**
 * A small HTML -> plain text converter for the text part of an email when a
 * template gives only html. Not a full HTML parser: it handles what email
 * templates use (blocks, line breaks, lists, links, entities), which is all
 * a text part needs.
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

const BLOCK_TAGS =
  'address|article|aside|blockquote|center|dd|div|dl|dt|fieldset|figcaption|figure|footer|form|h[1-6]|header|hr|li|main|nav|ol|p|pre|section|table|tbody|td|tfoot|th|thead|tr|ul';
const BLOCK_TAG = new RegExp(`<\\/?(?:${BLOCK_TAGS})\\b[^>]*>`, 'gi');
const PARAGRAPH_TAG = /<\/?(?:p|h[1-6]|table|blockquote|ul|ol)\b[^>]*>/gi;

/** Decode named (common set), decimal and hex character references; unknown ones stay as written. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z][a-z0-9]*);/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  return match ? (match[1] ?? match[2] ?? match[3]) : undefined;
}

/** Convert an HTML document or fragment to readable plain text. */
export function htmlToText(html: string): string {
  let text = html
    // content that is never shown
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(head|style|script|title)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '')
    // source whitespace is insignificant in HTML; structure comes from tags
    .replace(/\s+/g, ' ');

  // a link keeps its target: `label (href)`, or just the href when they match
  text = text.replace(/<a\b([^>]*)>([\s\S]*?)<\/a\s*>/gi, (_whole, attrs: string, inner: string) => {
    const label = inner.replace(/<[^>]*>/g, '').trim();
    const href = attribute(attrs, 'href')?.trim();
    if (!href || href.startsWith('#') || /^javascript:/i.test(href)) return label;
    if (!label || decodeEntities(label) === decodeEntities(href)) return href;
    const target = href.replace(/^mailto:/i, '');
    return decodeEntities(label) === decodeEntities(target) ? label : `${label} (${href})`;
  });

  text = text
    .replace(/<img\b([^>]*)>/gi, (_whole, attrs: string) => attribute(attrs, 'alt') ?? '')
    .replace(/<br\s*\/?>/gi, '\n')
    // the next item's opening tag already starts a line
    .replace(/<\/li\s*>/gi, '')
    .replace(/<li\b[^>]*>/gi, '\n- ')
    .replace(PARAGRAPH_TAG, '\n\n')
    .replace(BLOCK_TAG, '\n')
    .replace(/<\/?[a-z][^>]*>/gi, '');

  return decodeEntities(text)
    .split('\n')
    .map((line) => line.replace(/[ \t\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

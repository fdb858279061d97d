import fc from 'fast-check';

/**
 * Characters that break naive code: NUL (Postgres text and jsonb refuse it),
 * lone surrogates (not encodable as UTF-8), bidi overrides, markup and
 * template delimiters, path and escape characters.
 */
export const HOSTILE_CHARS = [
  '\u0000',
  '\ud800',
  '\udfff',
  '\u202e',
  '\ufeff',
  '<',
  '>',
  '"',
  "'",
  '\\',
  '%',
  '/',
  '.',
  '{{',
  '}}',
  '{%',
  '%}',
  '\n',
];

/** Whole values that are classic trouble as ids, numbers or path segments. */
export const HOSTILE_WORDS = [
  '..',
  '../..',
  '%00',
  '%2e%2e%2f',
  'ｕｎｉｃｏｄｅ',
  '😀',
  '',
  ' ',
  'null',
  'undefined',
  '-1',
  '0',
  '1e309',
  '9'.repeat(40),
  '__proto__',
  'constructor',
];

export const hostileString = fc.oneof(
  fc.string({
    unit: fc.oneof(fc.constantFrom(...HOSTILE_CHARS), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })),
    maxLength: 40,
  }),
  fc.constantFrom(...HOSTILE_WORDS),
  fc.uuid(),
);

/** `depth` arrays inside each other around `1`: `[[[1]]]`. */
export function deepArrayJson(depth: number): string {
  return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
}

/** `depth` objects inside each other: `{"a":{"a":1}}`. */
export function deepObjectJson(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** A value for any JSON slot: hostile strings, random JSON, or deep nesting. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: 50, max: 3000 }).map((d) => JSON.parse(deepArrayJson(d)) as unknown) },
  { weight: 1, arbitrary: fc.constantFrom(Number.MAX_SAFE_INTEGER, -0, 1e308, -1, 2 ** 31, 0.5) },
);

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Percent-encode a path segment, even one with lone surrogates (which `encodeURIComponent` refuses). */
export function encodeSegment(value: string): string {
  return encodeURIComponent(value.replace(LONE_SURROGATE, '\ufffd'));
}

/** Path segments as they come off the wire: encoded hostile strings and raw odd escapes. */
export const hostileSegment = fc.oneof(
  hostileString.map(encodeSegment),
  fc.constantFrom(
    '..',
    '.',
    '%00',
    '%2e%2e',
    '%2e%2e%2f%2e%2e',
    '%ff%fe',
    '%',
    '%%',
    '%zz',
    'a%2Fb',
    '%5c..%5c',
    '%F0%9F%98%80',
    'x'.repeat(2000),
  ),
);

/** A query string (with its `?`), encoded or raw and broken. */
export const hostileQuery = fc.oneof(
  fc
    .array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom(
            'page',
            'limit',
            'channel',
            'user_id',
            'status',
            'language',
            'version',
            'category',
            'notification_type',
            'expires',
            'sig',
          ),
          hostileString,
        ),
        hostileString,
      ),
      { maxLength: 4 },
    )
    .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(v)}`).join('&')}` : '')),
  fc.constantFrom(
    '',
    '?',
    '?%',
    '?page=%ZZ',
    '?a=%ff%fe',
    '?&&==&',
    '?page=1e400',
    '?limit=-0',
    '?page=99999999999999999999',
    '?page=1&page=2',
    '?limit=100&page=2147483648',
    '?channel[]=email',
    '?__proto__[x]=1',
  ),
);

/** Content types a client might send, right and wrong. */
export const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'application/vnd.api+json',
  'application/problem+json',
  'text/plain',
  'text/html',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json, text/plain',
  ';;;',
  'application/jsonx',
  `application/json; x=${'y'.repeat(8000)}`,
];

/** Header values that are legal on the wire (visible ASCII, spaces), up to 8 KB. */
export const headerValue = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 64 }),
  fc.integer({ min: 1000, max: 8000 }).map((n) => 'h'.repeat(n)),
);

/** Extra request headers, some of which the platform reads. */
export const hostileHeaders = fc.dictionary(
  fc.constantFrom(
    'idempotency-key',
    'x-correlation-id',
    'traceparent',
    'x-api-key',
    'accept',
    'accept-encoding',
    'x-forwarded-for',
    'origin',
    'cookie',
    'x-hostile',
  ),
  headerValue,
  { maxKeys: 3 },
);

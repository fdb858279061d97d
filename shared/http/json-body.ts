import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { BadRequestError, MalformedJsonError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.js';

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Whether the request has a body, from its headers where they tell: HTTP/1.1
 * frames a body by `content-length` or `transfer-encoding`, and node's parser
 * holds the sender to it. Only a request that has neither (one built in
 * process, e.g. `app.request()` or a peer's `app.fetch`) is asked for its body
 * stream, which makes @hono/node-server build a web `Request`.
 */
function hasBody(c: Context): boolean {
  const length = c.req.header('content-length');
  if (length !== undefined) return length !== '0';
  if (c.req.header('transfer-encoding') !== undefined) return true;
  return BODY_METHODS.has(c.req.method) && c.req.raw.body !== null;
}

/**
 * 413 for a body over `maxBytes`, whatever its content type. A declared
 * `content-length` is compared without touching the body (node's parser
 * never reads past it); only a body without one (chunked) is counted as it
 * streams. `larger` raises the limit for routes that take big bodies (batch
 * intake), by path suffix.
 */
export function limitBody(maxBytes: number, larger: Record<string, number> = {}): MiddlewareHandler {
  const counting = (limit: number) =>
    bodyLimit({
      maxSize: limit,
      onError: () => {
        throw new PayloadTooLargeError(limit);
      },
    });
  const base = { maxBytes, count: counting(maxBytes) };
  const special = Object.entries(larger).map(([suffix, bytes]) => ({
    suffix: suffix.replace(/\/$/, ''),
    maxBytes: bytes,
    count: counting(bytes),
  }));
  return function limitBodyMiddleware(c, next) {
    const path = c.req.path.replace(/\/$/, '');
    const limit = special.find(({ suffix }) => path.endsWith(suffix)) ?? base;
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      if (Number(length) > limit.maxBytes) throw new PayloadTooLargeError(limit.maxBytes);
      return next();
    }
    if (!hasBody(c)) return next();
    return limit.count(c, next);
  };
}

/** Deeper JSON than any of our payloads needs; deeper is refused before a handler walks it. */
export const MAX_JSON_DEPTH = 32;
// NUL is refused by Postgres text and jsonb; a lone surrogate cannot be encoded as UTF-8
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what it looks for
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a parsed body cannot be stored as it is, or null. Iterative: a hostile depth cannot blow the stack. */
function unstorableProblem(root: unknown): string | null {
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string') {
      if (UNSTORABLE.test(value)) return 'strings must not contain NUL characters or lone surrogates';
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_JSON_DEPTH) return `JSON must not be nested deeper than ${MAX_JSON_DEPTH} levels`;
    for (const [key, child] of Object.entries(value)) {
      if (UNSTORABLE.test(key)) return 'keys must not contain NUL characters or lone surrogates';
      stack.push([child, depth + 1]);
    }
  }
  return null;
}

export interface RequireJsonBodyOptions {
  /** Paths whose bodies may be something else (RFC 8058 one-click unsubscribe posts a form). */
  exempt?: RegExp[];
}

/**
 * Every request body is JSON: a body of another type is 415, a body that
 * does not parse is 400, and so is one holding what no store accepts (NUL,
 * lone surrogates, absurd nesting). The parsed body is cached for the
 * route's validator.
 */
export function requireJsonBody(options: RequireJsonBodyOptions = {}): MiddlewareHandler {
  const exempt = options.exempt ?? [];
  return async function requireJsonBodyMiddleware(c, next) {
    if (!BODY_METHODS.has(c.req.method) || !hasBody(c)) return next();
    if (exempt.some((pattern) => pattern.test(c.req.path))) return next();
    const contentType = c.req.header('content-type');
    const mediaType = contentType?.split(';')[0]?.trim() ?? '';
    if (!JSON_MEDIA_TYPE.test(mediaType)) {
      // an empty body needs no type (e.g. `curl -X POST` on an action route)
      if (!contentType && (await c.req.text()).length === 0) return next();
      throw new UnsupportedMediaTypeError(contentType);
    }
    let body: unknown;
    try {
      body = await c.req.json();
    } catch (err) {
      throw new MalformedJsonError(err);
    }
    const problem = unstorableProblem(body);
    if (problem) throw new BadRequestError(`Request body refused: ${problem}`);
    return next();
  };
}

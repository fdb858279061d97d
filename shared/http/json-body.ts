import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { MalformedJsonError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.js';

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function limitOf(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new PayloadTooLargeError(maxBytes);
    },
  });
}

/**
 * 413 for a body over `maxBytes`, whatever its content type. `larger` raises
 * the limit for routes that take big bodies (batch intake), by path suffix.
 */
export function limitBody(maxBytes: number, larger: Record<string, number> = {}): MiddlewareHandler {
  const base = limitOf(maxBytes);
  const special = Object.entries(larger).map(([suffix, bytes]) => [suffix.replace(/\/$/, ''), limitOf(bytes)] as const);
  return function limitBodyMiddleware(c, next) {
    const path = c.req.path.replace(/\/$/, '');
    const match = special.find(([suffix]) => path.endsWith(suffix));
    return (match ? match[1] : base)(c, next);
  };
}

/**
 * Every request body is JSON: a body of another type is 415, a body that
 * does not parse is 400. The parsed body is cached for the route's validator.
 */
export function requireJsonBody(): MiddlewareHandler {
  return async function requireJsonBodyMiddleware(c, next) {
    if (!BODY_METHODS.has(c.req.method) || c.req.raw.body === null || c.req.header('content-length') === '0') {
      return next();
    }
    const contentType = c.req.header('content-type');
    const mediaType = contentType?.split(';')[0]?.trim() ?? '';
    if (!JSON_MEDIA_TYPE.test(mediaType)) {
      // an empty body needs no type (e.g. `curl -X POST` on an action route)
      if (!contentType && (await c.req.text()).length === 0) return next();
      throw new UnsupportedMediaTypeError(contentType);
    }
    try {
      await c.req.json();
    } catch (err) {
      throw new MalformedJsonError(err);
    }
    return next();
  };
}

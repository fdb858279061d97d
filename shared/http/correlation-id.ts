import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { withLogContext } from '../logging/context.js';

export const CORRELATION_HEADER = 'X-Correlation-Id';
const VALID_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Takes `X-Correlation-Id` from the request (or makes one), returns it on
 * the response, and puts it on every log line written while handling it.
 */
export function correlationId(): MiddlewareHandler {
  return async function correlationIdMiddleware(c, next) {
    const given = c.req.header(CORRELATION_HEADER);
    const id = given && VALID_ID.test(given) ? given : randomUUID();
    c.set('correlationId', id);
    // set before the handler runs, so it joins the headers of whatever response the handler builds
    c.header(CORRELATION_HEADER, id);
    await withLogContext({ correlation_id: id }, next);
    // a Response made elsewhere (a forwarded one) lacks it; adding a header then rebuilds the response
    if (c.res.headers.get(CORRELATION_HEADER) !== id) c.header(CORRELATION_HEADER, id);
  };
}

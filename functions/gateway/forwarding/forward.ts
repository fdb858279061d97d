import type { Context } from 'hono';
import type { Fetcher } from '../../../shared/clients/fetcher.js';
import { ServiceUnavailableError } from '../../../shared/errors.js';
import type { AppEnv } from '../../../shared/http/app-env.js';
import { CLIENT_ADDRESS_HEADER, peerAddress } from '../../../shared/http/client-address.js';
import { activeTraceparent } from '../../../shared/tracing/trace-context.js';

/** Hop-by-hop headers (RFC 9110 §7.6.1) are for one connection, never forwarded. */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'host',
  'content-length',
];

/**
 * Forward the request as it came (method, path, query, headers, body) to
 * the function that owns the route, and its answer back unchanged: the
 * gateway is the one public base URL. The correlation id and the trace
 * context travel along.
 */
export function forwardTo(upstream: Fetcher, name: string) {
  return async function forward(c: Context<AppEnv>): Promise<Response> {
    const url = new URL(c.req.url);
    const headers = new Headers(c.req.raw.headers);
    for (const h of HOP_BY_HOP) headers.delete(h);
    headers.set('x-correlation-id', c.var.correlationId);
    // the owner limits some routes per client (login): the address this gateway took the request from
    headers.delete(CLIENT_ADDRESS_HEADER);
    const client = peerAddress(c);
    if (client) headers.set(CLIENT_ADDRESS_HEADER, client);
    // the owner continues the gateway's span, not the caller's
    const traceparent = activeTraceparent();
    if (traceparent) headers.set('traceparent', traceparent);
    const hasBody = !['GET', 'HEAD'].includes(c.req.method);
    const body = hasBody ? await c.req.arrayBuffer() : undefined;
    let response: Response;
    try {
      response = await upstream(
        new Request(`http://${name}${url.pathname}${url.search}`, {
          method: c.req.method,
          headers,
          ...(body && body.byteLength > 0 && { body }),
        }),
      );
    } catch (err) {
      if (err instanceof ServiceUnavailableError) throw err;
      throw new ServiceUnavailableError(`The ${name} function is unreachable`, { cause: err });
    }
    const out = new Headers(response.headers);
    for (const h of HOP_BY_HOP) out.delete(h);
    out.set('x-correlation-id', c.var.correlationId);
    return new Response(response.body, { status: response.status, headers: out });
  };
}

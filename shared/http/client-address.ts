import type { Context } from 'hono';

/**
 * Header the gateway sets on every request it forwards: the address of
 * the client it took the request from (whatever the client sent under that
 * name is replaced), so a function behind it can limit per client.
 */
export const CLIENT_ADDRESS_HEADER = 'x-client-address';

interface PeerEnv {
  /** @hono/node-server: the incoming request and its socket. */
  incoming?: { socket?: { remoteAddress?: string } };
  /** hono/aws-lambda: the HTTP API's request context. */
  requestContext?: { http?: { sourceIp?: string } };
}

/** The address of the peer of this request: the socket's (node server) or the HTTP API's sourceIp (Lambda); undefined in-process. */
export function peerAddress(c: Context): string | undefined {
  const env = c.env as PeerEnv | undefined;
  return env?.incoming?.socket?.remoteAddress ?? env?.requestContext?.http?.sourceIp;
}

/** The client's address as the gateway saw it, else this request's peer, else `unknown`. */
export function clientAddress(c: Context): string {
  return c.req.header(CLIENT_ADDRESS_HEADER) ?? peerAddress(c) ?? 'unknown';
}

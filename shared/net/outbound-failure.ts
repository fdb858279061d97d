/**
 * Why an outbound call to a user-supplied URL did not get an answer, as a
 * closed set of codes. These are what may reach a user-visible field (a
 * notification's timeline, a webhook's delivery log): never the remote's
 * body, never a socket or TLS error message, which can echo internal names
 * and addresses back to whoever chose the URL.
 */
export const OUTBOUND_FAILURES = [
  /** Not an absolute http(s) URL. */
  'invalid_url',
  /** Plain http (or another scheme) where only https is taken. */
  'scheme_not_allowed',
  /** `user:password@` in the URL. */
  'credentials_in_url',
  /** The host is not on the allow-list. */
  'host_not_allowed',
  /** The host is, or resolves to, a loopback, private, link-local, CGNAT, metadata or reserved address. */
  'blocked_address',
  /** The name does not resolve (NXDOMAIN, no address, resolver failure). */
  'dns_failure',
  /** No connection within the timeout. */
  'connect_timeout',
  /** Connected, but no complete answer within the timeout. */
  'response_timeout',
  'connection_refused',
  /** The peer closed or reset the connection before answering. */
  'connection_reset',
  /** No route to the address. */
  'network_unreachable',
  /** TLS handshake or certificate verification failed. */
  'tls_error',
  /** Any other transport failure. */
  'network_error',
] as const;

export type OutboundFailure = (typeof OUTBOUND_FAILURES)[number];

/** Failures decided before any packet left: the URL or its address is refused, retrying cannot help. */
export const REFUSED_BY_POLICY: ReadonlySet<OutboundFailure> = new Set([
  'invalid_url',
  'scheme_not_allowed',
  'credentials_in_url',
  'host_not_allowed',
  'blocked_address',
]);

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED|SELF_SIGNED_CERT|HOSTNAME_MISMATCH|ERR_OSSL)/;

/**
 * Map a Node socket, DNS or TLS error to its {@link OutboundFailure} by its
 * `code` (never by its text); `fetch` errors carry it on their `cause`.
 */
export function classifyTransportFailure(error: unknown, connected: boolean): OutboundFailure {
  const failed = error as { code?: unknown; name?: unknown; cause?: { code?: unknown } } | null;
  if (failed?.name === 'TimeoutError' || failed?.name === 'AbortError') return connected ? 'response_timeout' : 'connect_timeout';
  const code = typeof failed?.code === 'string' ? failed.code : failed?.cause?.code;
  if (typeof code !== 'string') return 'network_error';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'ENODATA') return 'dns_failure';
  if (code === 'ECONNREFUSED') return 'connection_refused';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE') return 'connection_reset';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EADDRNOTAVAIL') return 'network_unreachable';
  if (code === 'ETIMEDOUT') return connected ? 'response_timeout' : 'connect_timeout';
  if (TLS_CODE.test(code)) return 'tls_error';
  return 'network_error';
}

/** A received answer's status as a short code fit for a timeline: `http_2xx`, `gone` (404/410), `http_4xx`, `http_5xx`. */
export function classifyStatus(status: number): 'http_2xx' | 'http_3xx' | 'gone' | 'http_4xx' | 'http_5xx' {
  if (status === 404 || status === 410) return 'gone';
  if (status >= 500) return 'http_5xx';
  if (status >= 400) return 'http_4xx';
  if (status >= 300) return 'http_3xx';
  return 'http_2xx';
}

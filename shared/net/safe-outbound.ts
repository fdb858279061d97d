import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { parseIp } from './address-policy.js';
import { classifyTransportFailure, type OutboundFailure } from './outbound-failure.js';
import { checkUrl, type HostLookup, type OutboundPolicy, resolveTarget, systemLookup } from './outbound-policy.js';

export type { OutboundFailure } from './outbound-failure.js';
export type { HostLookup, OutboundPolicy } from './outbound-policy.js';

/** One outbound call. */
export interface OutboundRequest {
  url: string | URL;
  /** Default `GET`. */
  method?: string;
  /** `Host` is always the URL's host; a caller's own `host` header is dropped. */
  headers?: Record<string, string | number | readonly string[]>;
  body?: string | Uint8Array;
  /** Deadline of the whole call (resolve, connect, answer); the client's default when unset. */
  timeoutMs?: number;
  /** Response bytes kept; the client's default when unset. */
  maxResponseBytes?: number;
}

/**
 * What a call came to. A failure carries only its classified code; `cause`
 * is the underlying error, for the operator's log only, never for a field
 * the caller's user can read.
 */
export type OutboundResult =
  | {
      ok: true;
      status: number;
      headers: IncomingHttpHeaders;
      /** At most `maxResponseBytes` of the body. */
      body: Buffer;
      /** The body was longer and was cut (the connection is dropped). */
      truncated: boolean;
      /** The address connected to, the one that was checked. */
      address: string;
    }
  | { ok: false; failure: OutboundFailure; address?: string; cause?: unknown };

export interface SafeOutboundOptions {
  policy?: OutboundPolicy;
  /** Name resolution; the system resolver by default. Called once per call. */
  lookup?: HostLookup;
  /** Default deadline of a call, 10 s. */
  timeoutMs?: number;
  /** Default response bytes kept, 64 KiB. */
  maxResponseBytes?: number;
  /** An extra CA certificate (PEM) trusted besides the system roots. */
  extraCaPem?: string;
  /** Sockets kept per address; connections are reused (keep-alive). Default 64. */
  maxSocketsPerAddress?: number;
}

/**
 * Port: HTTP calls to URLs a user chose (push endpoints, webhooks), safe
 * against server-side request forgery. Redirects are never followed; a
 * 3xx comes back as an answer.
 */
export interface SafeOutbound {
  /** Resolve, check, connect to the checked address, send, and read a bounded answer. Never rejects. */
  request(request: OutboundRequest): Promise<OutboundResult>;
  /** The checks that need no network (see `checkUrl`); null when the URL may be called. */
  refusal(url: string | URL): OutboundFailure | null;
  /** Close the kept-alive connections. */
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * Create a {@link SafeOutbound}. Each call: checks the URL against the
 * policy (scheme, credentials, host allow-list), resolves the host once and
 * refuses it when any address is loopback, private, link-local, CGNAT,
 * metadata or reserved (`address-policy.ts`), then connects to exactly that
 * address (the socket is opened to the IP; TLS still verifies the
 * certificate against the host name, sent as SNI and `Host`), so DNS
 * rebinding cannot reach a second answer.
 */
export function createSafeOutbound(options: SafeOutboundOptions = {}): SafeOutbound {
  const policy = options.policy ?? {};
  const lookup = options.lookup ?? systemLookup;
  const agentOptions = { keepAlive: true, maxSockets: options.maxSocketsPerAddress ?? 64 };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent({
    ...agentOptions,
    ...(options.extraCaPem && { ca: [...rootCertificates, options.extraCaPem] }),
  });

  const request = async (call: OutboundRequest): Promise<OutboundResult> => {
    const deadline = Date.now() + (call.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const checked = checkUrl(call.url, policy);
    if (!checked.ok) return checked;
    const target = await withDeadline(resolveTarget(checked, lookup), deadline);
    if (target === 'expired') return { ok: false, failure: 'dns_failure' };
    if (!target.ok) return target;
    return send(call, checked.url, target.address, deadline, call.maxResponseBytes ?? options.maxResponseBytes);
  };

  const send = (
    call: OutboundRequest,
    url: URL,
    address: string,
    deadline: number,
    maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES,
  ): Promise<OutboundResult> =>
    new Promise((resolve) => {
      const secure = url.protocol === 'https:';
      const headers: Record<string, string | number | readonly string[]> = {};
      for (const [name, value] of Object.entries(call.headers ?? {})) if (name.toLowerCase() !== 'host') headers[name] = value;
      headers.host = url.host;
      const hostname = url.hostname.replace(/^\[|\]$/g, '');
      let connected = false;
      let timedOut = false;
      let settled = false;
      const finish = (result: OutboundResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const req = (secure ? https : http).request({
        method: call.method ?? 'GET',
        host: address,
        port: url.port || (secure ? 443 : 80),
        path: `${url.pathname}${url.search}`,
        headers: headers as http.OutgoingHttpHeaders,
        agent: secure ? httpsAgent : httpAgent,
        // the certificate is checked against the name the URL gave, not the address we dialled
        ...(secure && !parseIp(hostname) && { servername: hostname }),
      });
      const timer = setTimeout(
        () => {
          timedOut = true;
          req.destroy(Object.assign(new Error('deadline passed'), { code: 'ETIMEDOUT' }));
        },
        Math.max(0, deadline - Date.now()),
      );
      const failed = (cause: unknown, afterConnect: boolean) => {
        const failure: OutboundFailure = timedOut
          ? afterConnect
            ? 'response_timeout'
            : 'connect_timeout'
          : classifyTransportFailure(cause, afterConnect);
        finish({ ok: false, failure, address, cause });
      };
      req.on('socket', (socket) => {
        if (!socket.connecting) connected = true;
        else socket.once('connect', () => (connected = true));
      });
      req.on('error', (cause) => failed(cause, connected));
      req.on('response', (response) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        const answer = (truncated: boolean) =>
          finish({
            ok: true,
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
            truncated,
            address,
          });
        response.on('data', (chunk: Buffer) => {
          if (kept + chunk.length > maxResponseBytes) {
            chunks.push(chunk.subarray(0, maxResponseBytes - kept));
            kept = maxResponseBytes;
            answer(true);
            response.destroy();
            return;
          }
          chunks.push(chunk);
          kept += chunk.length;
        });
        response.on('end', () => answer(false));
        response.on('error', (cause) => failed(cause, true));
        response.on('close', () => failed(Object.assign(new Error('closed early'), { code: 'ECONNRESET' }), true));
      });
      req.end(call.body);
    });

  return {
    request,
    refusal(url) {
      const checked = checkUrl(url, policy);
      return checked.ok ? null : checked.failure;
    },
    async close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

async function withDeadline<T>(work: Promise<T>, deadline: number): Promise<T | 'expired'> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

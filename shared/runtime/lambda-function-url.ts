import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResult } from './lambda-events.js';

/** Content types API Gateway and function URLs pass as text; any other body arrives base64-encoded. */
const TEXT_TYPES = /^(text\/|application\/(json|[\w.+-]*\+json|xml|[\w.+-]*\+xml|x-www-form-urlencoded|javascript))/i;

export interface HttpApiEventOptions {
  /** `$default` for function URLs and the HTTP API's default route; e.g. `ANY /api/v1/users/{proxy+}` for a route. */
  routeKey?: string;
  sourceIp?: string;
  /** The host the client called (`<url-id>.lambda-url.<region>.on.aws`, or the API's domain). */
  domainName?: string;
}

/**
 * The event API Gateway (HTTP API, payload format 2.0) or a Lambda function
 * URL builds for a request: lower-case headers joined with commas, cookies
 * apart, the raw path and query, a text body as is and any other body
 * base64-encoded, `requestContext.http` with method, path, protocol, source
 * IP and user agent.
 */
export function toHttpApiEvent(
  request: { method: string; url: string; headers: Headers; body?: Uint8Array | undefined },
  options: HttpApiEventOptions = {},
): APIGatewayProxyEventV2 {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  request.headers.forEach((value, name) => {
    if (name === 'cookie') cookies = value.split(/;\s*/).filter(Boolean);
    else headers[name] = value;
  });
  const domainName = options.domainName ?? url.host;
  headers.host ??= domainName;
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  const bytes = request.body && request.body.byteLength > 0 ? Buffer.from(request.body) : undefined;
  const text = bytes !== undefined && TEXT_TYPES.test(headers['content-type'] ?? '');
  const routeKey = options.routeKey ?? '$default';
  const now = new Date();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies && { cookies }),
    headers,
    ...(Object.keys(query).length > 0 && { queryStringParameters: query }),
    requestContext: {
      accountId: '123456789012',
      apiId: domainName.split('.')[0] ?? 'local',
      authentication: null,
      authorizer: {} as APIGatewayProxyEventV2['requestContext']['authorizer'],
      domainName,
      domainPrefix: domainName.split('.')[0] ?? 'local',
      http: {
        method: request.method.toUpperCase(),
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: options.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    body: bytes === undefined ? null : text ? bytes.toString('utf8') : bytes.toString('base64'),
    isBase64Encoded: bytes !== undefined && !text,
  };
}

/** The HTTP response a Lambda proxy result stands for (what API Gateway sends back to the client). */
export function fromHttpApiResult(result: APIGatewayProxyResult): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, String(v));
  }
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) for (const v of values) headers.append(name, v);
  for (const cookie of result.cookies ?? []) headers.append('set-cookie', cookie);
  const nullBody = result.statusCode === 204 || result.statusCode === 304;
  const body = nullBody ? null : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
  return new Response(body, { status: result.statusCode, headers });
}

/** A Lambda handler as a local function URL serves it. */
export type HttpLambda = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResult>;

export interface FunctionUrlServer {
  /** `http://127.0.0.1:<port>/`, what a `*_SERVICE_URL` variable would hold. */
  url: string;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Serve a Lambda handler the way a function URL does (tests, local tries):
 * each request becomes a payload 2.0 event, each result a response. Lets one
 * Lambda call another through its service URL without AWS.
 */
export async function serveFunctionUrl(handler: HttpLambda, port = 0): Promise<FunctionUrlServer> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      try {
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers)) {
          if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(',') : value);
        }
        const event = toHttpApiEvent({
          method: req.method ?? 'GET',
          url: `http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`,
          headers,
          body: await readBody(req),
        });
        const response = fromHttpApiResult(await handler(event));
        const out: Record<string, string | string[]> = {};
        response.headers.forEach((value, name) => {
          if (name !== 'set-cookie') out[name] = value;
        });
        const cookies = response.headers.getSetCookie();
        if (cookies.length > 0) out['set-cookie'] = cookies;
        res.writeHead(response.status, out);
        res.end(Buffer.from(await response.arrayBuffer()));
      } catch {
        // what a function URL answers when the function throws
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Internal Server Error' }));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

import { once } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reservePort } from '../test-support/reserved-port.js';
import type { HostLookup } from './outbound-policy.js';
import { createSafeOutbound, type OutboundResult } from './safe-outbound.js';

/** A real server on loopback that records every request it gets. */
async function startServer(
  handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end('ok'),
  tls?: { cert: string; key: string },
  host = '127.0.0.1',
) {
  const hits: Array<{ host: string | undefined; url: string | undefined; body: string }> = [];
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push({ host: req.headers.host, url: req.url, body: Buffer.concat(chunks).toString() });
      handle(req, res);
    });
  };
  const server = tls ? https.createServer(tls, onRequest) : http.createServer(onRequest);
  let connections = 0;
  server.on('connection', () => connections++);
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    port,
    hits,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A resolver answering from a table, counting its calls; names not in it do not exist. */
function tableLookup(table: Record<string, string[]>): HostLookup & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (hostname: string) => {
    calls.push(hostname);
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(lookup, { calls });
}

/** What a caller could show a user: everything but the log-only cause. */
function visible(result: OutboundResult) {
  const { cause: _cause, ...rest } = result as OutboundResult & { cause?: unknown };
  return rest;
}

describe('safe outbound: the address is checked and is the one dialled', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('refuses a name that resolves to a loopback address, and the server there sees no connection', async () => {
    const lookup = tableLookup({ 'push.attacker.example': ['127.0.0.1'] });
    const client = createSafeOutbound({ lookup });

    const result = await client.request({ url: `https://push.attacker.example:${server.port}/x`, method: 'POST', body: 'hi' });

    expect(visible(result)).toEqual({ ok: false, failure: 'blocked_address' });
    expect(server.connections()).toBe(0);
    await client.close();
  });

  it.each([
    ['10.0.0.5.nip.io', ['10.0.0.5']],
    ['metadata.attacker.example', ['169.254.169.254']],
    ['cgnat.attacker.example', ['100.64.1.1']],
    ['mapped.attacker.example', ['::ffff:127.0.0.1']],
    ['mixed.attacker.example', ['8.8.8.8', '192.168.0.10']], // one private answer refuses the name
  ])('refuses %s resolving to %j', async (name, addresses) => {
    const client = createSafeOutbound({ lookup: tableLookup({ [name]: addresses }) });

    expect(visible(await client.request({ url: `https://${name}/x` }))).toEqual({ ok: false, failure: 'blocked_address' });
    await client.close();
  });

  it('refuses private IP literals without resolving anything', async () => {
    const lookup = tableLookup({});
    const client = createSafeOutbound({ lookup });

    const results = await Promise.all(
      [
        `https://127.0.0.1:${server.port}/`,
        'https://[::1]/',
        'https://2130706433/',
        'https://0x7f.1/',
        'https://[fd00:ec2::254]/',
      ].map((url) => client.request({ url })),
    );

    expect(results.map((r) => visible(r))).toEqual(results.map(() => ({ ok: false, failure: 'blocked_address' })));
    expect(lookup.calls).toEqual([]);
    expect(server.connections()).toBe(0);
    await client.close();
  });

  it('resolves once and connects to the address it checked, never asking DNS again (no rebinding)', async () => {
    // `.invalid` never resolves in real DNS: had Node looked the name up again, the call would fail
    const lookup = tableLookup({ 'pinned.invalid': ['127.0.0.1'] });
    const client = createSafeOutbound({ lookup, policy: { localHosts: ['pinned.invalid'], httpForLocalHosts: true } });

    const result = await client.request({
      url: `http://pinned.invalid:${server.port}/hook?a=1`,
      method: 'POST',
      headers: { host: 'internal.admin', 'content-type': 'text/plain' },
      body: 'payload',
    });

    expect(result).toMatchObject({ ok: true, status: 200, address: '127.0.0.1' });
    expect(lookup.calls).toEqual(['pinned.invalid']);
    expect(server.hits.at(-1)).toEqual({ host: `pinned.invalid:${server.port}`, url: '/hook?a=1', body: 'payload' });
    await client.close();
  });
});

describe('safe outbound: policy before any packet', () => {
  it.each([
    ['http://push.example.com/x', {}, 'scheme_not_allowed'],
    ['http://localhost/x', { localHosts: ['localhost'] }, 'scheme_not_allowed'], // http only when the policy says so
    ['http://push.example.com/x', { localHosts: ['localhost'], httpForLocalHosts: true }, 'scheme_not_allowed'],
    ['ftp://push.example.com/x', {}, 'invalid_url'],
    ['not a url', {}, 'invalid_url'],
    ['https://user:secret@push.example.com/x', {}, 'credentials_in_url'],
    ['https://push.attacker.example/x', { allowedHosts: ['fcm.googleapis.com', '*.push.apple.com'] }, 'host_not_allowed'],
    ['https://10.0.0.5.nip.io/x', { allowedHosts: ['fcm.googleapis.com'] }, 'host_not_allowed'],
    ['https://localhost./x', {}, 'blocked_address'],
    ['https://push.localhost/x', {}, 'blocked_address'],
    ['https://printer.local/x', {}, 'blocked_address'],
    ['https://metadata.google.internal/computeMetadata/v1', {}, 'blocked_address'],
    ['https://redis:6379/x', {}, 'blocked_address'], // a single label: a service of the container network
  ] as const)('%s under %j: %s', async (url, policy, failure) => {
    const lookup = tableLookup({ 'push.example.com': ['8.8.8.8'], 'push.attacker.example': ['8.8.8.8'] });
    const client = createSafeOutbound({ lookup, policy });

    expect(client.refusal(url)).toBe(failure);
    expect(visible(await client.request({ url }))).toEqual({ ok: false, failure });
    expect(lookup.calls).toEqual([]);
    await client.close();
  });

  it('an allow-listed host is taken', () => {
    const client = createSafeOutbound({ policy: { allowedHosts: ['fcm.googleapis.com', '*.push.apple.com'] } });

    expect(client.refusal('https://fcm.googleapis.com/fcm/send/abc')).toBeNull();
    expect(client.refusal('https://api.push.apple.com/3/device/abc')).toBeNull();
  });
});

describe('safe outbound: answers and failures come back classified', () => {
  let tlsPems: { cert: string; key: string };
  beforeAll(async () => {
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }] }],
    });
    tlsPems = { cert: pems.cert, key: pems.private };
  });
  const local = { localHosts: ['localhost', '127.0.0.1'], httpForLocalHosts: true };

  it('speaks https to the checked address with the name as SNI (real DNS for localhost)', async () => {
    // bound where `localhost` resolves first, which is also the address the client dials
    const server = await startServer((_req, res) => res.writeHead(201).end('created'), tlsPems, 'localhost');
    const client = createSafeOutbound({ policy: { localHosts: ['localhost'] }, extraCaPem: tlsPems.cert });

    const result = await client.request({ url: `https://localhost:${server.port}/push`, method: 'POST', body: 'x' });

    expect(result).toMatchObject({ ok: true, status: 201, body: Buffer.from('created') });
    await client.close();
    await server.close();
  });

  it('an untrusted certificate is a tls_error, without its text', async () => {
    const server = await startServer(undefined, tlsPems, 'localhost');
    const client = createSafeOutbound({ policy: { localHosts: ['localhost'] } });

    expect(visible(await client.request({ url: `https://localhost:${server.port}/` }))).toEqual({
      ok: false,
      failure: 'tls_error',
      address: expect.any(String),
    });
    await client.close();
    await server.close();
  });

  it('does not follow a redirect', async () => {
    const target = await startServer();
    const redirector = await startServer((_req, res) =>
      res.writeHead(302, { location: `http://127.0.0.1:${target.port}/internal` }).end(),
    );
    const client = createSafeOutbound({ policy: local });

    const result = await client.request({ url: `http://127.0.0.1:${redirector.port}/` });

    expect(result).toMatchObject({ ok: true, status: 302 });
    expect(target.connections()).toBe(0);
    await client.close();
    await Promise.all([target.close(), redirector.close()]);
  });

  it('reads at most maxResponseBytes of an answer', async () => {
    const server = await startServer((_req, res) => res.end(Buffer.alloc(1024 * 1024, 'a')));
    const client = createSafeOutbound({ policy: local, maxResponseBytes: 1000 });

    const result = await client.request({ url: `http://127.0.0.1:${server.port}/` });

    expect(result.ok && { length: result.body.length, truncated: result.truncated }).toEqual({ length: 1000, truncated: true });
    await client.close();
    await server.close();
  });

  it('a server that never answers is a response_timeout at the deadline', async () => {
    const server = await startServer(() => {});
    const client = createSafeOutbound({ policy: local, timeoutMs: 300 });
    const started = Date.now();

    const result = await client.request({ url: `http://127.0.0.1:${server.port}/` });

    expect(visible(result)).toEqual({ ok: false, failure: 'response_timeout', address: '127.0.0.1' });
    expect(Date.now() - started).toBeLessThan(3000);
    await client.close();
    await server.close();
  });

  it('a closed port is connection_refused; an unknown name is dns_failure', async () => {
    const port = await reservePort(); // reserved for this test, nothing listens there
    const client = createSafeOutbound({ policy: local, lookup: tableLookup({}) });

    const refused = await client.request({ url: `http://127.0.0.1:${port}/` });
    const unknown = await client.request({ url: 'https://nowhere.example/' });

    expect(visible(refused)).toEqual({ ok: false, failure: 'connection_refused', address: '127.0.0.1' });
    expect(visible(unknown)).toEqual({ ok: false, failure: 'dns_failure' });
    await client.close();
  });
});

import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ok } from '../envelope.js';
import { createLogger } from '../logging/logger.js';
import { closeServer, listen } from '../runtime/serve.js';
import { createBaseApp } from './create-app.js';
import { validate } from './validate.js';

// The base app behind @hono/node-server on a real socket: the body limit and the JSON check
// read the headers node parsed, so these paths are the ones production takes.

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(port: number, path: string, options: { headers?: Record<string, string>; chunks?: string[] }) {
  return new Promise<Answer>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    for (const chunk of options.chunks ?? []) req.write(chunk);
    req.end();
  });
}

describe('base app over node:http', () => {
  const silent = new Writable({ write: (_chunk, _enc, done) => done() });
  const app = createBaseApp({
    name: 'test',
    logger: createLogger({ level: 'silent', name: 'test', destination: silent }),
    bodyLimitBytes: 100,
    readiness: {},
  });
  app.post('/things', validate('json', z.object({ name: z.string() })), (c) => ok(c, c.req.valid('json'), 'created', 201));
  app.post('/raw', () => new Response('made elsewhere', { status: 200 }));
  let server: Awaited<ReturnType<typeof listen>>;
  let port: number;

  beforeAll(async () => {
    server = await listen(app, 0, '127.0.0.1');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await closeServer(server);
  });

  const small = JSON.stringify({ name: 'x' });
  const big = JSON.stringify({ name: 'x'.repeat(500) });

  it('takes a body within the limit, by content-length and chunked', async () => {
    const sized = await send(port, '/things', { headers: { 'content-type': 'application/json' }, chunks: [small] });
    const chunked = await send(port, '/things', {
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      chunks: [small.slice(0, 5), small.slice(5)],
    });
    expect([sized.status, chunked.status]).toEqual([201, 201]);
    expect(JSON.parse(chunked.body).data).toEqual({ name: 'x' });
  });

  it('refuses a declared content-length over the limit with 413, and a chunked body that grows past it', async () => {
    const sized = await send(port, '/things', {
      headers: { 'content-type': 'application/json', 'content-length': String(big.length) },
      chunks: [big],
    });
    const chunked = await send(port, '/things', {
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      chunks: [big.slice(0, 60), big.slice(60)],
    });
    expect([sized.status, chunked.status]).toEqual([413, 413]);
    expect(JSON.parse(chunked.body).error).toBe('payload_too_large');
  });

  it('answers 415 for another content type and 400 for malformed JSON, from the headers and the body', async () => {
    const text = await send(port, '/things', { headers: { 'content-type': 'text/plain' }, chunks: ['hello'] });
    const malformed = await send(port, '/things', { headers: { 'content-type': 'application/json' }, chunks: ['{"name":'] });
    expect([text.status, malformed.status]).toEqual([415, 400]);
  });

  it('lets an empty POST through without a content type', async () => {
    const empty = await send(port, '/raw', {});
    expect(empty.status).toBe(200);
  });

  it('puts the correlation id on its own responses and on a Response made elsewhere, once', async () => {
    const own = await send(port, '/things', {
      headers: { 'content-type': 'application/json', 'x-correlation-id': 'abc-1' },
      chunks: [small],
    });
    const raw = await send(port, '/raw', { headers: { 'x-correlation-id': 'abc-2' } });
    expect(own.headers['x-correlation-id']).toBe('abc-1');
    expect(raw.headers['x-correlation-id']).toBe('abc-2');
    expect(raw.body).toBe('made elsewhere');
  });
});

import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ok } from '../envelope.js';
import { createLogger } from '../logging/logger.js';
import { createBaseApp } from './create-app.js';
import { validate } from './validate.js';

function makeApp(options: { bodyLimitBytes?: number; readiness?: Record<string, () => Promise<unknown>> } = {}) {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const logger = createLogger({ level: 'debug', name: 'test', destination });
  const app = createBaseApp({
    name: 'test',
    logger,
    bodyLimitBytes: options.bodyLimitBytes ?? 1024,
    readiness: options.readiness ?? {},
  });
  app.post('/things', validate('json', z.object({ name: z.string().min(1), count: z.number().int() })), (c) => {
    logger.info('handling');
    return ok(c, c.req.valid('json'), 'created', 201);
  });
  app.get('/boom', () => {
    throw new Error('secret internals');
  });
  return { app, lines };
}

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('base app', () => {
  it('accepts a valid body with the success envelope', async () => {
    const { app } = makeApp();
    const res = await app.request('/things', json({ name: 'a', count: 1 }));
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ success: true, data: { name: 'a', count: 1 }, message: 'created' });
  });

  it('answers with and without a trailing slash', async () => {
    const { app } = makeApp();
    expect((await app.request('/things/', json({ name: 'a', count: 1 }))).status).toBe(201);
  });

  it('malformed JSON is 400 malformed_json', async () => {
    const { app } = makeApp();
    const res = await app.request('/things', json('{"name": '));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ success: false, error: 'malformed_json', meta: {} });
  });

  it('schema errors are 400 naming every failing field', async () => {
    const { app } = makeApp();
    const res = await app.request('/things', json({ name: '', count: 'x' }));
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error).toBe('validation_error');
    expect(body.meta.fields.map((f: { field: string }) => f.field).sort()).toEqual(['count', 'name']);
    expect(body.message).toContain('name');
    expect(body.message).toContain('count');
  });

  it('a missing body is a validation error, not a crash', async () => {
    const { app } = makeApp();
    const res = await app.request('/things', { method: 'POST' });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe('validation_error');
  });

  it('unknown route is 404 with the envelope', async () => {
    const { app } = makeApp();
    const res = await app.request('/nowhere');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ success: false, error: 'not_found' });
  });

  it('a known path with another method is 405 with Allow, in the envelope', async () => {
    const { app } = makeApp();
    const res = await app.request('/things/', { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(await res.json()).toMatchObject({ success: false, error: 'method_not_allowed', meta: { allow: ['POST'] } });
    const health = await app.request('/health', { method: 'POST' });
    expect([health.status, health.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });

  it('a body over the limit is 413', async () => {
    const { app } = makeApp({ bodyLimitBytes: 100 });
    const res = await app.request('/things', json({ name: 'x'.repeat(200), count: 1 }));
    expect(res.status).toBe(413);
    expect((await res.json()).error).toBe('payload_too_large');
  });

  it('a streamed body over the limit (no content-length) is 413', async () => {
    const { app } = makeApp({ bodyLimitBytes: 100 });
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(JSON.stringify({ name: 'x'.repeat(500), count: 1 })));
        controller.close();
      },
    });
    const res = await app.request(
      new Request('http://local/things', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        body: stream,
        duplex: 'half',
      } as RequestInit),
    );
    expect(res.status).toBe(413);
  });

  it('a non-JSON content type is 415', async () => {
    const { app } = makeApp();
    const res = await app.request('/things', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    expect(res.status).toBe(415);
    expect((await res.json()).error).toBe('unsupported_media_type');
  });

  it('an unexpected error is a 500 without internals', async () => {
    const { app } = makeApp();
    const res = await app.request('/boom');
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body).toMatchObject({ success: false, error: 'internal_error' });
    expect(JSON.stringify(body)).not.toContain('secret internals');
  });

  it('takes X-Correlation-Id, returns it and puts it on every log line', async () => {
    const { app, lines } = makeApp();
    const res = await app.request('/things', json({ name: 'a', count: 1 }, { 'x-correlation-id': 'corr-123' }));
    expect(res.headers.get('x-correlation-id')).toBe('corr-123');
    const mine = lines.filter((l) => l.correlation_id === 'corr-123');
    expect(mine.map((l) => l.msg)).toEqual(['handling', 'request']);
  });

  it('makes a correlation id when none is given, and on errors too', async () => {
    const { app } = makeApp();
    const res = await app.request('/nowhere');
    const id = res.headers.get('x-correlation-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await res.json()).meta.correlation_id).toBe(id);
  });

  it('health is alive; readiness is 503 naming the dependency that is down, the reason only in the log', async () => {
    const { app, lines } = makeApp({
      readiness: { db: async () => {}, cache: async () => Promise.reject(new Error('connection refused')) },
    });
    expect((await app.request('/health')).status).toBe(200);
    const res = await app.request('/health/ready');
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body.meta.dependencies).toEqual({ db: 'ok', cache: 'unavailable' });
    expect(JSON.stringify(body)).not.toContain('connection refused');
    expect(lines).toContainEqual(expect.objectContaining({ dependency: 'cache', err: 'connection refused' }));
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer } from '../../../shared/runtime/serve.js';
import { fetchFromSns } from './sns-fetch.js';

const CERTIFICATE = `-----BEGIN CERTIFICATE-----\n${'A'.repeat(2000)}\n-----END CERTIFICATE-----\n`;

describe('fetching from SNS', () => {
  let server: Server;
  let base: string;
  const endless = { closed: false };
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/cert.pem') return res.end(CERTIFICATE);
      if (req.url === '/empty') return res.writeHead(204).end();
      if (req.url === '/moved') return res.writeHead(302, { location: '/cert.pem' }).end();
      if (req.url === '/declared-huge') return res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) }).end();
      // chunked, never ending: only the reader's bound stops it
      const chunk = Buffer.alloc(16 * 1024, 'x');
      const write = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', write);
      };
      res.on('close', () => {
        endless.closed = true;
      });
      write();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => closeServer(server));

  it('returns a certificate-sized answer', async () => {
    expect(await fetchFromSns(`${base}/cert.pem`)).toBe(CERTIFICATE);
  });

  it('reads an empty answer as empty text', async () => {
    expect(await fetchFromSns(`${base}/empty`)).toBe('');
  });

  it('does not follow a redirect', async () => {
    await expect(fetchFromSns(`${base}/moved`)).rejects.toThrow('answered HTTP 302');
  });

  it('refuses a declared length past the bound without reading it', async () => {
    await expect(fetchFromSns(`${base}/declared-huge`)).rejects.toThrow('more than 65536 bytes');
  });

  it('stops reading an endless answer at the bound and drops the connection', async () => {
    await expect(fetchFromSns(`${base}/endless`)).rejects.toThrow('more than 65536 bytes');
    await expect.poll(() => endless.closed).toBe(true);
  });
});

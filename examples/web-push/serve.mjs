// node examples/web-push/serve.mjs
// Serves this folder on http://localhost:8085 (localhost is a secure context, so
// service workers and Web Push work without TLS) and forwards /api/* so the page
// is same-origin with the platform: /api/v1/push/* to the push function, the rest
// to the gateway. No CORS needed.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const port = Number(process.env.PORT ?? 8085);
const gateway = process.env.GATEWAY_URL ?? 'http://localhost:8000';
const push = process.env.PUSH_URL ?? 'http://localhost:8004';
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', `http://localhost:${port}`);
  try {
    if (url.pathname.startsWith('/api/')) {
      const target = new URL(url.pathname + url.search, url.pathname.startsWith('/api/v1/push/') ? push : gateway);
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const headers = { ...req.headers };
      delete headers.host;
      const upstream = await fetch(target, {
        method: req.method,
        headers,
        body: chunks.length ? Buffer.concat(chunks) : undefined,
      });
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(Buffer.from(await upstream.arrayBuffer()));
      return;
    }
    const file = url.pathname === '/' ? 'index.html' : url.pathname.slice(1);
    if (!['index.html', 'sw.js'].includes(file)) throw Object.assign(new Error('not found'), { status: 404 });
    res.writeHead(200, { 'content-type': types[extname(file)], 'service-worker-allowed': '/' });
    res.end(await readFile(join(here, file)));
  } catch (error) {
    res.writeHead(error.status ?? 502, { 'content-type': 'text/plain' });
    res.end(String(error.message ?? error));
  }
}).listen(port, () => process.stdout.write(`Web Push example on http://localhost:${port} (gateway ${gateway}, push ${push})\n`));

// The baseline: a bare Hono JSON route on the same runtime, no auth, no database.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.post('/json', async (c) => c.json({ success: true, data: await c.req.json() }, 202));
app.get('/health/ready', (c) => c.json({ ok: true }));
serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 8099), hostname: '127.0.0.1' });

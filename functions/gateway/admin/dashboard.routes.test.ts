import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createErrorHandler } from '../../../shared/envelope.js';
import type { AppEnv } from '../../../shared/http/app-env.js';
import { createLogger } from '../../../shared/logging/logger.js';
import { RUN_STATES } from '../workflows/runs/run.responses.js';
import { createDashboardRoutes } from './dashboard.routes.js';

function appWith(routes: Hono<AppEnv>) {
  const app = new Hono<AppEnv>({ strict: false });
  app.route('/', routes);
  app.onError(createErrorHandler(createLogger({ level: 'silent', name: 'test' })));
  return app;
}

describe('GET /dashboard', () => {
  const app = appWith(createDashboardRoutes());

  it('serves the page, with or without a trailing slash, under a policy that allows only its own files', async () => {
    for (const path of ['/dashboard', '/dashboard/']) {
      const res = await app.request(path);
      const html = await res.text();

      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(html).toContain('<script src="/dashboard/dashboard.js" defer></script>');
      expect(html).toContain('href="/dashboard/dashboard.css"');
      expect(html).toContain('<script src="/dashboard/workflow-runs.js" defer></script>');
    }
  });

  it('fills both status filters from their definitions', async () => {
    const html = await (await app.request('/dashboard')).text();

    expect(html).not.toContain('status options:');
    for (const state of RUN_STATES) expect(html).toContain(`<option>${state}</option>`);
    expect(html).toContain('<option>delivered</option>');
  });

  it('serves the script and the stylesheet with their types', async () => {
    const js = await app.request('/dashboard/dashboard.js');
    const css = await app.request('/dashboard/dashboard.css');

    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toContain('/api/v1/admin/overview');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const runs = await app.request('/dashboard/workflow-runs.js');
    expect(runs.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await runs.text()).toContain('/api/v1/admin/workflow-runs');
  });

  it('loads nothing from elsewhere: no URL in the page, script or stylesheet points off the gateway', async () => {
    for (const path of ['/dashboard', '/dashboard/dashboard.js', '/dashboard/workflow-runs.js', '/dashboard/dashboard.css']) {
      const text = await (await app.request(path)).text();
      const external = [...text.matchAll(/(?:https?:)?\/\/[\w.-]+\.[a-z]{2,}[^\s'"`)]*/gi)]
        .map((m) => m[0])
        .filter((url) => url !== 'http://www.w3.org/2000/svg');

      expect(external, path).toEqual([]);
    }
  });

  it('a build that lost the files answers 500 with the envelope, naming the file', async () => {
    const empty = pathToFileURL(`${mkdtempSync(join(tmpdir(), 'no-dashboard-'))}/`);
    const broken = appWith(createDashboardRoutes({ directory: empty }));

    const res = await broken.request('/dashboard');

    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({
      success: false,
      error: 'dashboard_missing',
      message: expect.stringContaining('index.html'),
    });
  });
});

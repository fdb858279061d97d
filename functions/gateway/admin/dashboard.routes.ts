import { readFile } from 'node:fs/promises';
import { Hono } from 'hono';
import { AppError } from '../../../shared/errors.js';
import type { AppEnv } from '../../../shared/http/app-env.js';
import { NOTIFICATION_STATUSES } from '../../../shared/schemas/notification-statuses.js';
import { RUN_STATES } from '../workflows/runs/run.responses.js';

/** The page's files (`functions/gateway/admin/dashboard/`, copied beside the build output and the Lambda bundle). */
const ASSETS = {
  '/dashboard': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
  '/dashboard/workflow-runs.js': { file: 'workflow-runs.js', type: 'text/javascript; charset=utf-8' },
} as const;

// everything the page loads comes from here: no CDN, no inline script, no framing
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// the status filters list the statuses as they are defined, not a copy of them in the page
const options = (values: readonly string[]) => values.map((value) => `<option>${value}</option>`).join('');
const SLOTS: Array<[RegExp, string]> = [
  [/<!-- status options:[^>]*-->/, options(NOTIFICATION_STATUSES)],
  [/<!-- run status options:[^>]*-->/, options(RUN_STATES)],
];

export interface DashboardOptions {
  /** Where the files are. Default: `./dashboard/` beside this module. */
  directory?: URL;
}

/**
 * `GET /dashboard`: the operator's live page (plain HTML, one script, one
 * stylesheet). The page itself is public, like `/docs`; everything it shows
 * comes from `/api/v1/admin/*` with the admin key the operator types in.
 */
export function createDashboardRoutes(options: DashboardOptions = {}): Hono<AppEnv> {
  const directory = options.directory ?? new URL('./dashboard/', import.meta.url);
  const cache = new Map<string, Promise<string>>();
  const load = (file: string) => {
    let text = cache.get(file);
    if (!text) {
      text = readFile(new URL(file, directory), 'utf8').then((body) =>
        SLOTS.reduce((page, [slot, html]) => page.replace(slot, html), body),
      );
      // a missing file is retried on the next request rather than remembered
      text.catch(() => cache.delete(file));
      cache.set(file, text);
    }
    return text;
  };

  const routes = new Hono<AppEnv>({ strict: false });
  for (const [path, asset] of Object.entries(ASSETS)) {
    routes.get(path, async (c) => {
      const body = await load(asset.file).catch((err: unknown) => {
        // a build that lost the files (see scripts/copy-assets.mjs): the operator must hear of it
        throw new AppError('dashboard_missing', 500, `Dashboard file ${asset.file} is missing from this build`, { cause: err });
      });
      return c.body(body, 200, {
        'content-type': asset.type,
        'cache-control': 'no-cache',
        'content-security-policy': CONTENT_SECURITY_POLICY,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      });
    });
  }
  return routes;
}

import { readFile } from 'node:fs/promises';
import { Hono } from 'hono';
import { AppError } from '../../../shared/errors.js';
import type { AppEnv } from '../../../shared/http/app-env.js';

export interface InboxComponentOptions {
  /** Where `inbox.js` is. Default: `./component/` beside this module (copied beside the build output and the Lambda bundle). */
  directory?: URL;
}

/**
 * `GET /inbox.js`: the drop-in `<notify-inbox>` web component (plain
 * JavaScript, no dependencies), loaded by the customer's pages from any
 * origin, so it is served with `Access-Control-Allow-Origin: *`.
 */
export function createInboxComponentRoutes(options: InboxComponentOptions = {}): Hono<AppEnv> {
  const file = new URL('inbox.js', options.directory ?? new URL('./component/', import.meta.url));
  let text: Promise<string> | undefined;
  const routes = new Hono<AppEnv>({ strict: false });
  routes.get('/inbox.js', async (c) => {
    text ??= readFile(file, 'utf8');
    const body = await text.catch((err: unknown) => {
      text = undefined;
      throw new AppError('inbox_component_missing', 500, 'inbox.js is missing from this build', { cause: err });
    });
    return c.body(body, 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=300',
      'access-control-allow-origin': '*',
      'x-content-type-options': 'nosniff',
    });
  });
  return routes;
}

import type { Context, Hono } from 'hono';
import { notFoundHandler } from '../envelope.js';
import { MethodNotAllowedError } from '../errors.js';
import type { AppEnv } from './app-env.js';

interface MethodPattern {
  method: string;
  pattern: RegExp;
}

/** `/api/v1/users/:user_id/*` -> a regular expression (any trailing slash, as `strict: false` routes match). */
function compile(path: string): RegExp {
  const source = path
    .replace(/\/+$/, '')
    .split('/')
    .map((segment) => {
      if (segment === '*') return '.*';
      if (segment.startsWith(':')) return '[^/]+';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${source}/?$`);
}

/**
 * The methods an app's routes answer on a path: what a 405 lists in `Allow`
 * when a known path is called with another method. Middleware (registered
 * for every method) does not count; `HEAD` comes with `GET`, as Hono answers it.
 */
export function createAllowedMethods(app: Hono<AppEnv>): (path: string) => string[] {
  let compiledFrom = -1;
  let patterns: MethodPattern[] = [];
  return function allowedMethods(path) {
    // routes are added after the base app is made: compile once they are all there, again if more come
    if (compiledFrom !== app.routes.length) {
      compiledFrom = app.routes.length;
      const seen = new Set<string>();
      patterns = [];
      for (const route of app.routes) {
        const key = `${route.method} ${route.path}`;
        if (route.method === 'ALL' || seen.has(key)) continue;
        seen.add(key);
        patterns.push({ method: route.method, pattern: compile(route.path) });
      }
    }
    const methods = new Set(patterns.filter((p) => p.pattern.test(path)).map((p) => p.method));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  };
}

/**
 * The app's answer when no route matched: 405 with `Allow` (through the
 * error handler, in the envelope) when the path is known for other methods,
 * else 404.
 */
export function createRouteNotFound(app: Hono<AppEnv>, handleError: (err: Error, c: Context<AppEnv>) => Response) {
  const allowedMethods = createAllowedMethods(app);
  return function routeNotFound(c: Context<AppEnv>): Response {
    const allow = allowedMethods(c.req.path);
    if (allow.length === 0) return notFoundHandler(c);
    return handleError(new MethodNotAllowedError(c.req.method, c.req.path, allow), c);
  };
}

import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../logging/logger.js';

/** One log line per request: method, path, status, duration. Health probes log at debug. */
export function requestLog(logger: Logger): MiddlewareHandler {
  return async function requestLogMiddleware(c, next) {
    const started = performance.now();
    await next();
    const line = {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Math.round((performance.now() - started) * 100) / 100,
    };
    if (c.req.path.startsWith('/health')) logger.debug(line, 'request');
    else if (c.res.status >= 500) logger.error(line, 'request');
    else logger.info(line, 'request');
  };
}

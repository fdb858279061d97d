import type { Hono } from 'hono';
import type { Logger } from '../logging/logger.js';
import type { AppEnv } from './app-env.js';

/** A dependency probe: resolves when the dependency answers, throws when it does not. */
export type ReadinessCheck = () => Promise<unknown>;

const CHECK_TIMEOUT_MS = 2000;

async function runCheck(check: ReadinessCheck): Promise<{ up: true } | { up: false; error: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { up: true };
  } catch (err) {
    return { up: false, error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /health` (liveness: the process answers) and `GET /health/ready`
 * (every dependency answers; 503 otherwise). The routes are public, so a
 * dependency is only `ok` or `unavailable` there: why one is down (an
 * address, a driver's error text) goes to the log.
 */
export function mountHealth(app: Hono<AppEnv>, name: string, checks: Record<string, ReadinessCheck>, logger: Logger): void {
  app.get('/health', (c) => c.json({ success: true, data: { status: 'ok', function: name }, message: 'alive' }));
  app.get('/health/ready', async (c) => {
    const names = Object.keys(checks);
    const results = await Promise.all(names.map((key) => runCheck(checks[key]!)));
    const dependencies = Object.fromEntries(names.map((key, i) => [key, results[i]!.up ? 'ok' : 'unavailable']));
    const ready = results.every((r) => r.up);
    results.forEach((r, i) => {
      if (!r.up) logger.warn({ dependency: names[i], err: r.error }, 'readiness: dependency unavailable');
    });
    return c.json(
      ready
        ? { success: true, data: { status: 'ready', function: name, dependencies }, message: 'ready' }
        : { success: false, error: 'not_ready', message: 'A dependency is down', meta: { dependencies } },
      ready ? 200 : 503,
    );
  });
}

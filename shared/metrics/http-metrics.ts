import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes, routePath } from 'hono/route';
import { Counter, Histogram } from 'prom-client';
import { type MetricsRegistry, metricOf } from './registry.js';

/** Route label of requests no route answered (404s of unknown paths), so raw paths never become labels. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Latency buckets in seconds: 1 ms .. 10 s, dense below 100 ms where the gateway's target lies. */
export const HTTP_LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const LABELS = ['method', 'route', 'status_class'] as const;

interface HttpMetricSet {
  requests: Counter<(typeof LABELS)[number]>;
  errors: Counter<(typeof LABELS)[number]>;
  duration: Histogram<(typeof LABELS)[number]>;
  /** Requests already measured (an app mounted inside another measured app counts once). */
  measured: WeakSet<object>;
}

const sets = new WeakMap<MetricsRegistry, HttpMetricSet>();

function metricSetOf(registry: MetricsRegistry): HttpMetricSet {
  let set = sets.get(registry);
  if (!set) {
    const registers = [registry];
    set = {
      requests: metricOf(
        registry,
        'http_requests_total',
        () =>
          new Counter({
            name: 'http_requests_total',
            help: 'HTTP requests answered, by method, route pattern and status class',
            labelNames: LABELS,
            registers,
          }),
      ),
      errors: metricOf(
        registry,
        'http_request_errors_total',
        () =>
          new Counter({
            name: 'http_request_errors_total',
            help: 'HTTP answers with status >= 400, by method, route pattern and status class (4xx, 5xx)',
            labelNames: LABELS,
            registers,
          }),
      ),
      duration: metricOf(
        registry,
        'http_request_duration_seconds',
        () =>
          new Histogram({
            name: 'http_request_duration_seconds',
            help: 'HTTP request latency in seconds, by method, route pattern and status class',
            labelNames: LABELS,
            buckets: HTTP_LATENCY_BUCKETS,
            registers,
          }),
      ),
      measured: new WeakSet(),
    };
    sets.set(registry, set);
  }
  return set;
}

/**
 * The route pattern a request went to (`/api/v1/users/:user_id`), never the
 * raw path: the last matched route registered for the request's method (so
 * a middleware that answers early, e.g. a 401, is labelled with the
 * endpoint it guarded); else the `all()` route that answered (the gateway's
 * forwarding, `/api/v1/users/*`); {@link UNMATCHED_ROUTE} when only
 * catch-all middleware matched (a 404 of an unknown path).
 */
export function routeLabel(c: Context): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    if (routes[i]!.method !== 'ALL') return routes[i]!.path;
  }
  const answered = routePath(c);
  return answered === '' || answered === '*' || answered === '/*' ? UNMATCHED_ROUTE : answered;
}

export interface HttpMetricsOptions {
  /** Paths not measured (exact match). Default: `/metrics`. */
  skipPaths?: string[];
}

/**
 * Middleware counting requests, errors (status >= 400) and latency by
 * method, route pattern and status class (`2xx`..`5xx`). Mount it first, so
 * the latency covers every other middleware and the error handler's answer.
 */
export function httpMetrics(registry: MetricsRegistry, options: HttpMetricsOptions = {}): MiddlewareHandler {
  const set = metricSetOf(registry);
  const skip = new Set(options.skipPaths ?? ['/metrics']);
  return async function recordHttpMetrics(c, next) {
    if (set.measured.has(c) || skip.has(c.req.path)) return next();
    set.measured.add(c);
    const started = performance.now();
    let status = 500;
    try {
      await next();
      status = c.res.status;
    } finally {
      const labels = { method: c.req.method, route: routeLabel(c), status_class: `${Math.floor(status / 100)}xx` };
      set.requests.inc(labels);
      if (status >= 400) set.errors.inc(labels);
      set.duration.observe(labels, (performance.now() - started) / 1000);
    }
  };
}

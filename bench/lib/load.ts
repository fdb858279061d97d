import autocannon from 'autocannon';
import { progress } from './progress.js';

export interface LoadResult {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  non2xx: number;
  errors: number;
  total: number;
}

export interface LoadOptions {
  label: string;
  url: string;
  seconds: number;
  connections: number;
  headers?: Record<string, string>;
  /** A fresh body per request (e.g. a distinct request_id). */
  body: () => string;
}

/** Drive `url` with autocannon (POST, JSON) and summarise. */
export async function drive(options: LoadOptions): Promise<LoadResult> {
  const done = progress(options.label, options.seconds);
  try {
    const result = await autocannon({
      url: options.url,
      method: 'POST',
      connections: options.connections,
      duration: options.seconds,
      headers: { 'content-type': 'application/json', ...options.headers },
      requests: [
        {
          setupRequest: (request) => ({ ...request, body: options.body() }),
        },
      ],
    });
    return {
      requestsPerSecond: result.requests.average,
      latencyP50Ms: result.latency.p50,
      latencyP99Ms: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
      total: result.requests.total,
    };
  } finally {
    done();
  }
}

import type { Histogram } from 'prom-client';
import type { MetricsRegistry } from '../../../shared/metrics/registry.js';

/** Latency of the requests answered in one interval. */
export interface LatencyPoint {
  /** End of the interval. */
  at: Date;
  /** Requests answered in it. */
  requests: number;
  /** Quantiles in milliseconds (null without requests), estimated from the histogram's buckets. */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

export interface LatencyWindowOptions {
  registry: MetricsRegistry;
  /** The histogram read. Default `http_request_duration_seconds` (see `shared/metrics/http-metrics.ts`). */
  metricName?: string;
  /** Which route labels count. Default: every route. */
  includeRoute?: (route: string) => boolean;
  /** Sampling period of `start()`. Default 5 s. */
  intervalMs?: number;
  /** Intervals kept. Default 180 (15 minutes at 5 s). */
  keep?: number;
  now?: () => Date;
}

/**
 * Rolling request latency from the function's own HTTP histogram: every
 * `intervalMs` it reads the histogram's cumulative buckets (nothing is added
 * to the request path), and the difference between two readings gives the
 * quantiles of that interval, as Prometheus' `histogram_quantile` does.
 * Per process: with several replicas each reports its own.
 */
export interface LatencyWindow {
  /** Take a reading now (`start()` does it on a timer). */
  sample(): Promise<void>;
  /** One point per interval between readings, oldest first. */
  series(): LatencyPoint[];
  start(): void;
  stop(): void;
}

interface Reading {
  at: Date;
  /** Cumulative count at or below each bound (`+Inf` last). */
  cumulative: number[];
}

export function createLatencyWindow(options: LatencyWindowOptions): LatencyWindow {
  const metricName = options.metricName ?? 'http_request_duration_seconds';
  const include = options.includeRoute ?? (() => true);
  const keep = options.keep ?? 180;
  const now = options.now ?? (() => new Date());
  const readings: Reading[] = [];
  let bounds: number[] = [];
  let timer: NodeJS.Timeout | undefined;

  async function read(): Promise<Reading | null> {
    const metric = options.registry.getSingleMetric(metricName) as Histogram | undefined;
    if (!metric) return null;
    const { values } = await metric.get();
    const byBound = new Map<number, number>();
    for (const v of values) {
      if (v.metricName !== `${metricName}_bucket` || !include(String(v.labels.route ?? ''))) continue;
      const le = v.labels.le === '+Inf' ? Infinity : Number(v.labels.le);
      byBound.set(le, (byBound.get(le) ?? 0) + v.value);
    }
    bounds = [...byBound.keys()].sort((a, b) => a - b);
    return { at: now(), cumulative: bounds.map((b) => byBound.get(b)!) };
  }

  /** The q-quantile (seconds) of a cumulative bucket count, interpolating inside the bucket. */
  function quantile(q: number, cumulative: number[]): number | null {
    const total = cumulative.at(-1) ?? 0;
    if (total <= 0) return null;
    const rank = q * total;
    const index = cumulative.findIndex((c) => c >= rank);
    const upper = bounds[index]!;
    // above the last finite bound: the bound is all a histogram can say
    if (upper === Infinity) return bounds.at(-2) ?? null;
    const lower = index === 0 ? 0 : bounds[index - 1]!;
    const below = index === 0 ? 0 : cumulative[index - 1]!;
    const inBucket = cumulative[index]! - below;
    return lower + (upper - lower) * (inBucket > 0 ? (rank - below) / inBucket : 1);
  }

  const ms = (seconds: number | null) => (seconds === null ? null : Math.round(seconds * 10_000) / 10);

  async function sample() {
    const reading = await read();
    if (!reading) return;
    readings.push(reading);
    if (readings.length > keep + 1) readings.shift();
  }

  return {
    sample,
    series() {
      const points: LatencyPoint[] = [];
      for (let i = 1; i < readings.length; i++) {
        const [before, after] = [readings[i - 1]!, readings[i]!];
        // a bucket list that grew (first request of a new route) still lines up: missing bounds count 0
        const delta = after.cumulative.map((c, j) => Math.max(0, c - (before.cumulative[j] ?? 0)));
        points.push({
          at: after.at,
          requests: delta.at(-1) ?? 0,
          p50Ms: ms(quantile(0.5, delta)),
          p95Ms: ms(quantile(0.95, delta)),
          p99Ms: ms(quantile(0.99, delta)),
        });
      }
      return points;
    },
    start() {
      if (timer) return;
      void sample();
      timer = setInterval(() => void sample(), options.intervalMs ?? 5000);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}

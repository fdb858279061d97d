import type { Infra } from '../runtime/function-module.js';
import { withQueueMetrics } from './queue-metrics.js';
import { createMetricsRegistry, type MetricsRegistry } from './registry.js';

/** What an app factory accepts to serve `/metrics` (optional: no registry, no metrics). */
export interface MetricsDeps {
  metrics?: MetricsRegistry | undefined;
}

/**
 * A function's own registry, and its infra with the queue measured into it.
 * Call once at the top of `create`:
 * `const { metrics, queue } = withFunctionMetrics(infra, 'gateway');`
 * Each function measures its own queue traffic, even when `npm start` hands
 * all five the same queue.
 */
export function withFunctionMetrics<I extends Infra>(
  infra: I,
  name: string,
  options: { processMetrics?: boolean } = {},
): I & { metrics: MetricsRegistry } {
  // process metrics start event-loop and GC observers; suites build functions by the hundred
  const metrics = createMetricsRegistry({
    function: name,
    processMetrics: options.processMetrics ?? infra.config.env !== 'test',
  });
  return { ...infra, queue: withQueueMetrics(infra.queue, metrics), metrics };
}

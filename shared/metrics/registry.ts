import { collectDefaultMetrics, type Metric, Registry } from 'prom-client';

/** A Prometheus registry: one per function, never prom-client's global default. */
export type MetricsRegistry = Registry;

export interface MetricsRegistryOptions {
  /** The function's name, put on every series as the `function` label. */
  function: string;
  /** Node process metrics (CPU, memory, event loop lag, GC). Default true. */
  processMetrics?: boolean;
}

/**
 * A fresh registry for one function. Series carry a `function` label, so
 * five functions in one process (`npm start`) never clash, and each serves
 * its own `/metrics`.
 */
export function createMetricsRegistry(options: MetricsRegistryOptions): MetricsRegistry {
  const registry = new Registry();
  registry.setDefaultLabels({ function: options.function });
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * The metric named `name` in `registry`, created by `create` the first
 * time: instrumenting the same registry twice (two apps, a decorator applied
 * twice) shares the series instead of throwing on a duplicate name.
 */
export function metricOf<M extends Metric>(registry: MetricsRegistry, name: string, create: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? create();
}

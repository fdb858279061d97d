import type { MetricsRegistry } from './registry.js';

/**
 * The value of one sample in `registry`: metric `metric`, sample
 * `sample` (e.g. `<histogram>_count`; default the metric itself), whose
 * labels include `labels`. `undefined` when there is none. For tests.
 */
export async function sampleOf(
  registry: MetricsRegistry,
  metric: string,
  labels: Record<string, string>,
  sample = metric,
): Promise<number | undefined> {
  const got = await registry.getSingleMetric(metric)?.get();
  return got?.values.find(
    (v) =>
      ((v as { metricName?: string }).metricName ?? metric) === sample &&
      Object.entries(labels).every(([k, l]) => v.labels[k] === l),
  )?.value;
}

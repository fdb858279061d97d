import { Counter } from 'prom-client';
import { type MetricsRegistry, metricOf } from '../../../shared/metrics/registry.js';

/** Workflow runs this replica finished, by outcome (`completed`, `merged` into a digest, `dropped`, `failed`). */
export function createWorkflowMetrics(registry: MetricsRegistry) {
  const finished = metricOf(
    registry,
    'workflow_runs_finished_total',
    () =>
      new Counter({
        name: 'workflow_runs_finished_total',
        help: 'Workflow runs finished, by outcome',
        labelNames: ['outcome'],
        registers: [registry],
      }),
  );
  return { finished: (outcome: string) => finished.inc({ outcome }) };
}

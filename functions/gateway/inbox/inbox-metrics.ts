import { Counter, Gauge } from 'prom-client';
import { type MetricsRegistry, metricOf } from '../../../shared/metrics/registry.js';

/** Open inbox streams of this replica, and the inbox items its in-app worker stored. */
export function createInboxMetrics(registry: MetricsRegistry) {
  const registers = [registry];
  const open = metricOf(
    registry,
    'inbox_open_streams',
    () => new Gauge({ name: 'inbox_open_streams', help: 'Inbox streams (SSE) open on this replica', registers }),
  );
  const stored = metricOf(
    registry,
    'inbox_items_stored_total',
    () => new Counter({ name: 'inbox_items_stored_total', help: 'In-app items stored in inboxes', registers }),
  );
  return {
    streams: { opened: () => open.inc(), closed: () => open.dec() },
    stored: () => stored.inc(),
  };
}

import { sql } from 'drizzle-orm';
import { Gauge } from 'prom-client';
import type { Db } from '../db/create-db.js';
import { type MetricsRegistry, metricOf } from './registry.js';

/** Reads the number of notifications per status. */
export type CountByStatus = () => Promise<Record<string, number>>;

export interface NotificationStatusMetricsOptions {
  countByStatus: CountByStatus;
  /** Reuse a count younger than this, so frequent scrapes do not each scan the table. Default 10 s. */
  minIntervalMs?: number;
  now?: () => number;
}

/**
 * `notifications_by_status{status}`: how many notifications are in each
 * status now, read on scrape (at most every `minIntervalMs`). Statuses seen
 * once and now empty report 0 rather than vanishing.
 */
export function registerNotificationStatusMetrics(registry: MetricsRegistry, options: NotificationStatusMetricsOptions): void {
  const now = options.now ?? Date.now;
  const minInterval = options.minIntervalMs ?? 10_000;
  let cached: { at: number; counts: Record<string, number> } | undefined;
  const seen = new Set<string>();
  metricOf(
    registry,
    'notifications_by_status',
    () =>
      new Gauge({
        name: 'notifications_by_status',
        help: 'Notifications per status (read from the gateway database on scrape)',
        labelNames: ['status'] as const,
        registers: [registry],
        async collect() {
          if (!cached || now() - cached.at >= minInterval) {
            try {
              cached = { at: now(), counts: await options.countByStatus() };
            } catch {
              return; // database down: keep the last values; the readiness probe says why
            }
          }
          for (const status of Object.keys(cached.counts)) seen.add(status);
          for (const status of seen) this.set({ status }, cached.counts[status] ?? 0);
        },
      }),
  );
}

/** `select status, count(*) from notifications group by status` on the gateway's database. */
export function countNotificationsByStatus(db: Db): CountByStatus {
  return async () => {
    const result = await db.execute(sql`select status, count(*)::int as n from notifications group by status`);
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<{
      status: string;
      n: number | string;
    }>;
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  };
}

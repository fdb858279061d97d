import { Hono } from 'hono';
import type { Authenticator } from '../../../shared/auth/authenticator.js';
import { requireAuth } from '../../../shared/auth/require-auth.js';
import { ok, okPage, pageMeta } from '../../../shared/envelope.js';
import { AppError, NotFoundError } from '../../../shared/errors.js';
import type { AppEnv } from '../../../shared/http/app-env.js';
import { offsetOf } from '../../../shared/http/pagination.js';
import { validate } from '../../../shared/http/validate.js';
import { type DeadLetter, type Queue, QueueUnavailableError } from '../../../shared/queue/queue.js';
import { notificationJson } from '../intake/notification-wire.js';
import type { WorkflowStore } from '../workflows/definitions/workflow-store.js';
import type { RunListing } from '../workflows/runs/run-listing.js';
import type { RunRow } from '../workflows/runs/run-store.js';
import { runWithSteps } from '../workflows/runs/run-wire.js';
import {
  deadLetterIdParam,
  deadLettersQuery,
  overviewQuery,
  searchNotificationsQuery,
  workflowRunsQuery,
} from './admin.schemas.js';
import type { AdminStore } from './admin-store.js';
import type { LatencyWindow } from './latency-window.js';

/** What the operator routes read: the queue's stats and dead letters, the gateway's tables, its own latency. */
export interface AdminDeps {
  authenticator: Authenticator;
  queue: Pick<Queue, 'stats' | 'deadLetters'>;
  store: AdminStore;
  /** Every key's workflow runs, and the steps of the versions they run. */
  runs: RunListing;
  workflows: Pick<WorkflowStore, 'stepsOf'>;
  latency: LatencyWindow;
  now?: () => Date;
}

/** Bucket width of the throughput series: 10 s up to 15 minutes (at most 90 points), a minute beyond (at most 60). */
export function bucketSecondsFor(windowMinutes: number): number {
  return windowMinutes <= 15 ? 10 : 60;
}

function deadLetterJson(d: DeadLetter) {
  const body = d.body as { notification_id?: unknown } | null;
  return {
    id: d.id,
    key: d.key ?? null,
    reason: d.reason,
    attempts: d.attempts,
    failed_at: d.failedAt ?? null,
    notification_id: typeof body?.notification_id === 'string' ? body.notification_id : null,
    headers: d.headers,
    body: d.body,
  };
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** A broker call for a route that cannot answer without it: its failure is a 503, never a 500. */
const fromBroker = <T>(call: Promise<T>): Promise<T> =>
  call.catch((err: unknown) => {
    throw err instanceof AppError ? err : new QueueUnavailableError(`The queue did not answer: ${errorText(err)}`, err);
  });

/**
 * `/api/v1/admin`: what the dashboard shows and does. Scope `admin` on every
 * route. Queue figures come from the broker (every replica sees the same),
 * throughput from Postgres, latency from this gateway's own HTTP histogram.
 */
export function createAdminRoutes(deps: AdminDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>({ strict: false });
  const now = deps.now ?? (() => new Date());
  routes.use('*', requireAuth({ authenticator: deps.authenticator, scope: 'admin' }));

  routes.get('/overview', validate('query', overviewQuery), async (c) => {
    const { window_minutes: minutes } = c.req.valid('query');
    const until = now();
    const since = new Date(until.getTime() - minutes * 60_000);
    const bucketSeconds = bucketSecondsFor(minutes);
    // the broker being down must not blank the rest of the page
    const [stats, buckets] = await Promise.all([
      deps.queue.stats().then(
        (s) => ({ ok: true as const, s }),
        (err: unknown) => ({ ok: false as const, error: errorText(err) }),
      ),
      deps.store.throughput(since, until, bucketSeconds),
    ]);
    const throughput = buckets.map((b) => ({
      at: b.at.toISOString(),
      created: b.created,
      delivered: b.delivered,
      failed: b.failed,
    }));
    const sum = (field: 'created' | 'delivered' | 'failed') => buckets.reduce((n, b) => n + b[field], 0);
    return ok(c, {
      generated_at: until.toISOString(),
      window_minutes: minutes,
      bucket_seconds: bucketSeconds,
      queue: stats.ok
        ? {
            keys: Object.fromEntries(
              Object.entries(stats.s.keys).map(([key, k]) => [
                key,
                { depth: k.depth, in_flight: k.inFlight, dead_lettered: k.deadLettered },
              ]),
            ),
            dead_letter_depth: stats.s.deadLetterDepth,
          }
        : null,
      queue_error: stats.ok ? null : stats.error,
      totals: { created: sum('created'), delivered: sum('delivered'), failed: sum('failed') },
      throughput,
      latency: deps.latency
        .series()
        .filter((p) => p.at >= since)
        .map((p) => ({ at: p.at.toISOString(), requests: p.requests, p50_ms: p.p50Ms, p95_ms: p.p95Ms, p99_ms: p.p99Ms })),
    });
  });

  routes.get('/dead-letters', validate('query', deadLettersQuery), async (c) => {
    const { limit } = c.req.valid('query');
    const [letters, stats] = await Promise.all([fromBroker(deps.queue.deadLetters.list(limit)), fromBroker(deps.queue.stats())]);
    return ok(c, { dead_letter_depth: stats.deadLetterDepth, items: letters.map(deadLetterJson) });
  });

  routes.post('/dead-letters/redrive', async (c) => {
    const redriven = await fromBroker(deps.queue.deadLetters.redrive('all'));
    return ok(c, { redriven }, `${redriven} dead letter(s) sent back to their queues`);
  });

  routes.post('/dead-letters/:message_id/redrive', validate('param', deadLetterIdParam), async (c) => {
    const { message_id: id } = c.req.valid('param');
    const redriven = await fromBroker(deps.queue.deadLetters.redrive(id));
    if (redriven === 0) throw new NotFoundError(`No dead letter ${id}`);
    return ok(c, { redriven }, `Dead letter ${id} sent back to its queue`);
  });

  routes.get('/notifications', validate('query', searchNotificationsQuery), async (c) => {
    const q = c.req.valid('query');
    const { rows, total } = await deps.store.search(
      { q: q.q, status: q.status, channel: q.notification_type },
      offsetOf(q),
      q.limit,
    );
    return okPage(c, rows.map(notificationJson), pageMeta(total, q.page, q.limit));
  });

  /** The steps of each version a page of runs runs (versions are immutable; a page holds few of them). */
  const versionSteps = async (runs: RunRow[]) => {
    const versions = new Map(runs.map((r) => [`${r.workflowId}:${r.version}`, r]));
    const steps = await Promise.all([...versions.values()].map((r) => deps.workflows.stepsOf(r.workflowId, r.version)));
    return new Map([...versions.keys()].map((key, i) => [key, steps[i] ?? []]));
  };

  routes.get('/workflow-runs', validate('query', workflowRunsQuery), async (c) => {
    const q = c.req.valid('query');
    const { rows, total } = await deps.runs.list({ state: q.status, workflowKey: q.workflow_key }, offsetOf(q), q.limit);
    const [records, steps] = await Promise.all([deps.runs.stepsOf(rows.map((r) => r.id)), versionSteps(rows)]);
    const runs = rows.map((run) =>
      runWithSteps(run, steps.get(`${run.workflowId}:${run.version}`) ?? [], records.get(run.id) ?? []),
    );
    return okPage(c, runs, pageMeta(total, q.page, q.limit));
  });

  return routes;
}

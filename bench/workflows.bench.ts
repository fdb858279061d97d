// bench/workflows: workflow runs on the real Postgres, through the public API.
// (a) Runs started per second: `POST /api/v1/workflows/:key/trigger` from 20
// connections against single intake (`POST /api/v1/notifications`, a body of
// the same size) measured in the same run, with the platform's CPU per call.
// (b) Timer precision: 500 runs of [delay PT1S, send] started at once, how
// late each delay's step finished after its due time (p50/p99), first with
// no other run waiting (the baseline), then with 10,000 runs waiting on a
// long delay. Run: `BENCHES=workflows npm run bench` (needs DATABASE_URL,
// REDIS_URL, AMQP_URL; BENCH_SECONDS, BENCH_WORKFLOW_PENDING and
// BENCH_WORKFLOW_TIMERS size it). The platform picks its own ports.
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import postgres from 'postgres';
import { openBenchPlatform } from './lib/bench-platform.js';
import { drive, type LoadResult } from './lib/load.js';
import { cpuMsOf, type Spawned, spawnTs, waitForOk } from './lib/processes.js';
import { progress } from './lib/progress.js';

export interface WorkflowsBenchRow {
  case: string;
  throughput: number;
  unit: string;
  ratio: number | null;
  p50Ms?: number;
  p99Ms?: number;
  peakRssMiB?: number;
  note?: string;
}

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 20;
/** Runs waiting on a long delay while the timers are measured. */
const PENDING = Number(process.env.BENCH_WORKFLOW_PENDING ?? 10_000);
/** Runs of [delay PT1S, send] whose lateness is measured. */
const TIMERS = Number(process.env.BENCH_WORKFLOW_TIMERS ?? 500);
const PER_CALL = 250;

/** The gateway's URL from the banner `npm start` prints (START_ANY_PORTS: it binds ports of its own). */
function gatewayUrlOf(system: Spawned, timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`npm start printed no gateway URL:\n${out}`)), timeoutMs);
    system.child.stdout!.on('data', (chunk: Buffer) => {
      out = (out + chunk.toString()).slice(-4000);
      const match = /gateway\s+(http:\/\/[\w.-]+:\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    system.child.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${out}`)));
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export async function runWorkflowsBench(env: Record<string, string | undefined> = process.env): Promise<WorkflowsBenchRow[]> {
  const platform = await openBenchPlatform('bench/workflows', env, {
    // the gateway runs the run worker; the sends wait in the queue
    START_ANY_PORTS: 'true',
    RATE_LIMIT_PER_KEY_PER_MINUTE: '100000000',
    RATE_LIMIT_PER_USER_PER_MINUTE: '100000000',
  });
  const system = spawnTs('scripts/start.ts', platform.env, 'system');
  const sql = postgres(platform.databaseUrl, { max: 2, onnotice: () => {} });
  try {
    const gateway = await gatewayUrlOf(system);
    await waitForOk(`${gateway}/health/ready`, 120_000);
    const api = async (method: string, path: string, key: string, body?: unknown) => {
      const res = await fetch(`${gateway}${path}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const parsed = (await res.json()) as { data: any };
      if (!res.ok && res.status !== 207)
        throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(parsed).slice(0, 300)}`);
      return parsed.data;
    };
    const sendKey = (await api('POST', '/api/v1/api-keys', platform.adminKey, { name: 'bench', scopes: ['send'] })).key as string;
    await api('POST', '/api/v1/templates', platform.adminKey, {
      template_code: 'bench_wf',
      channel: 'email',
      category: 'activity',
      default_language: 'en',
      content: { subject: 'Hi {{name}}', html: '<p>Hello {{name}}</p>' },
      variables: [{ name: 'name', required: true }],
    });
    const define = async (key: string, duration: string) =>
      api('POST', '/api/v1/workflows', platform.adminKey, {
        workflow_key: key,
        name: key,
        steps: [
          { type: 'delay', duration },
          { type: 'send', channel: 'email', template_code: 'bench_wf' },
        ],
      });
    await define('bench-long', 'PT6H');
    const imported = await api('POST', '/api/v1/users/bulk', sendKey, {
      users: Array.from({ length: 20 }, (_, i) => ({ external_id: `bench-${i}`, email: `bench-${i}@example.com` })),
    });
    const users = (imported.items as Array<{ data: { id: string } }>).map((item) => item.data.id);
    const userOf = () => users[Math.floor(Math.random() * users.length)]!;

    const triggerMany = async (key: string, n: number, label: string) => {
      const done = progress(label, Math.max(1, n / 1_000));
      try {
        for (let start = 0; start < n; start += PER_CALL * 4) {
          await Promise.all(
            Array.from({ length: 4 }, async (_, c) => {
              const from = start + c * PER_CALL;
              const size = Math.min(PER_CALL, n - from);
              if (size <= 0) return;
              const triggers = Array.from({ length: size }, () => ({
                user_id: userOf(),
                request_id: randomUUID(),
                payload: { name: 'Ada' },
              }));
              const answer = await api('POST', `/api/v1/workflows/${key}/trigger/batch`, sendKey, { triggers });
              if (answer.rejected > 0) throw new Error(`${answer.rejected} triggers refused: ${JSON.stringify(answer.items[0])}`);
            }),
          );
        }
      } finally {
        done();
      }
    };
    const waitingCount = async (key: string) =>
      (
        await sql<Array<{ n: number }>>`
        select count(*)::int as n from workflow_runs r join workflow_run_steps s on s.run_id = r.id and s.step_index = 0
        where r.workflow_key = ${key} and s.state = 'waiting'`
      )[0]!.n;

    /** `TIMERS` runs of [delay PT1S, send] at once; how late each delay's step finished after its due time. */
    const timerLateness = async (label: string) => {
      const key = `bench-1s-${randomUUID().slice(0, 8)}`;
      await define(key, 'PT1S');
      await triggerMany(key, TIMERS, label);
      const deadline = Date.now() + 120_000;
      for (;;) {
        const [row] = await sql<Array<{ n: number }>>`
          select count(*)::int as n from workflow_runs r join workflow_run_steps s on s.run_id = r.id and s.step_index = 0
          where r.workflow_key = ${key} and s.state = 'completed'`;
        if (row!.n === TIMERS) break;
        if (Date.now() > deadline) throw new Error(`${row!.n} of ${TIMERS} delays finished in 120 s`);
        await new Promise((r) => setTimeout(r, 200));
      }
      // due at the delay's start plus its second (a finished step's wait_until is cleared); started_at and
      // finished_at are the database's now() of the transaction that began the delay and of the one that ended it
      const rows = await sql<Array<{ late: number }>>`
        select extract(epoch from (s.finished_at - (s.started_at + interval '1 second'))) * 1000 as late
        from workflow_runs r join workflow_run_steps s on s.run_id = r.id and s.step_index = 0
        where r.workflow_key = ${key}`;
      const late = rows.map((r) => Number(r.late)).sort((a, b) => a - b);
      return { p50: percentile(late, 50), p99: percentile(late, 99) };
    };

    // (b) baseline: the timers with nothing else waiting
    const idleTimers = await timerLateness(`${TIMERS} PT1S delays, none waiting`);

    // (a) the baseline: single intake, a body of the same size as a trigger's
    const measure = async (label: string, path: string, body: () => string): Promise<LoadResult & { cpuMs: number }> => {
      const cpuBefore = cpuMsOf(system.child.pid!);
      const result = await drive({
        label,
        url: `${gateway}${path}`,
        seconds: SECONDS,
        connections: CONNECTIONS,
        headers: { authorization: `Bearer ${sendKey}` },
        body,
      });
      if (result.non2xx > 0 || result.errors > 0) throw new Error(`${label}: ${result.non2xx} non-2xx, ${result.errors} errors`);
      return { ...result, cpuMs: (cpuMsOf(system.child.pid!) - cpuBefore) / result.total };
    };
    const intake = await measure('single intake (baseline)', '/api/v1/notifications', () =>
      JSON.stringify({
        notification_type: 'email',
        user_id: userOf(),
        template_code: 'bench_wf',
        variables: { name: 'Ada' },
        request_id: randomUUID(),
      }),
    );
    // triggers of [delay PT6H, send]: each run also takes its first step (the delay begins), and stays waiting
    const triggers = await measure('workflow triggers', '/api/v1/workflows/bench-long/trigger', () =>
      // the payload pads the body to the intake body's size
      JSON.stringify({
        user_id: userOf(),
        payload: { name: 'Ada', channel: 'email', template: 'bench_wf' },
        request_id: randomUUID(),
      }),
    );

    // (b) loaded: PENDING runs waiting on the long delay, then the timers again
    /** Until `n` runs of the long workflow wait on their delay (the worker takes each one's first step). */
    const waitFor = async (n: number) => {
      const deadline = Date.now() + 120_000;
      while ((await waitingCount('bench-long')) < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      return waitingCount('bench-long');
    };
    const missing = PENDING - (await waitFor(triggers.total));
    if (missing > 0) await triggerMany('bench-long', missing, `${missing} more waiting runs`);
    const pending = await waitFor(PENDING);
    if (pending < PENDING) throw new Error(`${pending} runs waiting, expected ${PENDING}`);
    const loadedTimers = await timerLateness(`${TIMERS} PT1S delays, ${pending} waiting`);

    const rss = system.peakRssMiB();
    const fmt = (n: number) => n.toLocaleString('en-US');
    return [
      {
        case: `POST /api/v1/notifications, ${CONNECTIONS} connections (baseline), ${intake.cpuMs.toFixed(2)} CPU ms each`,
        throughput: intake.requestsPerSecond,
        unit: 'req/s',
        ratio: 1,
        p50Ms: intake.latencyP50Ms,
        p99Ms: intake.latencyP99Ms,
        peakRssMiB: rss,
      },
      {
        case: `POST /api/v1/workflows/:key/trigger [delay, send], ${CONNECTIONS} connections, ${triggers.cpuMs.toFixed(2)} CPU ms each`,
        throughput: triggers.requestsPerSecond,
        unit: 'runs/s',
        ratio: triggers.requestsPerSecond / intake.requestsPerSecond,
        p50Ms: triggers.latencyP50Ms,
        p99Ms: triggers.latencyP99Ms,
        peakRssMiB: rss,
      },
      {
        case: `${fmt(TIMERS)} PT1S delays started at once, none other waiting (baseline): how late the step ran`,
        throughput: TIMERS,
        unit: 'timers',
        ratio: 1,
        p50Ms: idleTimers.p50,
        p99Ms: idleTimers.p99,
      },
      {
        case: `the same with ${fmt(pending)} runs waiting on a delay; p99 ratio to the baseline`,
        throughput: TIMERS,
        unit: 'timers',
        ratio: loadedTimers.p99 / Math.max(1, idleTimers.p99),
        p50Ms: loadedTimers.p50,
        p99Ms: loadedTimers.p99,
        peakRssMiB: rss,
      },
    ];
  } finally {
    await sql.end();
    await system.stop();
    await platform.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await runWorkflowsBench());
}

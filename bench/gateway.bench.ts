// bench/gateway: POST /api/v1/notifications on the full path (auth, validation,
// idempotency, cached lookups, outbox write) against real Postgres, Redis and
// RabbitMQ, and the batch endpoint, each compared with a bare Hono JSON route
// measured in the same run. Run: `npx tsx bench/gateway.bench.ts`
// (needs DATABASE_URL, REDIS_URL, AMQP_URL; stop any `npm start` first: it uses ports 8000-8004).
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { openBenchPlatform } from './lib/bench-platform.js';
import { drive, type LoadResult } from './lib/load.js';
import { cpuMsOf, spawnTs, waitForOk } from './lib/processes.js';

export interface BenchRow {
  bench: string;
  case: string;
  throughput: number;
  unit: string;
  p50Ms: number;
  p99Ms: number;
  ratio: number | null;
  peakRssMiB: number | null;
  note?: string;
}

const GATEWAY = 'http://127.0.0.1:8000';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** `single` or `batch` runs only that case (with the baseline), e.g. to profile one of them. */
const ONLY = process.env.BENCH_ONLY;

async function json(method: string, path: string, key: string | null, body?: unknown) {
  const res = await fetch(`${GATEWAY}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(key && { authorization: `Bearer ${key}` }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const parsed = (await res.json()) as { data: any };
  if (!res.ok && res.status !== 207) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(parsed)}`);
  return parsed.data;
}

export async function runGatewayBench(env: Record<string, string | undefined> = process.env): Promise<BenchRow[]> {
  const platform = await openBenchPlatform('bench/gateway', env, {
    RATE_LIMIT_PER_KEY_PER_MINUTE: '100000000',
    RATE_LIMIT_PER_USER_PER_MINUTE: '100000000',
    // the 50 sign-ups before the run are not what is measured: a cheap scrypt cost (OWASP's takes ~0.5 s each)
    PASSWORD_SCRYPT_N: '4096',
  });
  const system = spawnTs('scripts/start.ts', platform.env, 'system');
  const bare = spawnTs('bench/bare-server.ts', { PORT: '8099' }, 'bare');
  try {
    await Promise.all([waitForOk(`${GATEWAY}/health/ready`, 120_000), waitForOk('http://127.0.0.1:8099/health/ready')]);

    const sendKey = (await json('POST', '/api/v1/api-keys', platform.adminKey, { name: 'bench', scopes: ['send'] }))
      .key as string;
    const users: string[] = [];
    for (let i = 0; i < 50; i++) {
      users.push(
        (
          await json('POST', '/api/v1/users', null, {
            name: `Bench ${i}`,
            email: `bench-${randomUUID()}@example.com`,
            password: 'bench password',
          })
        ).id,
      );
    }
    let n = 0;
    const notification = () => ({
      notification_type: 'email',
      user_id: users[n++ % users.length],
      template_code: 'welcome_email',
      variables: { name: 'Bench', link: 'https://example.com/start' },
      request_id: randomUUID(),
      priority: 5,
    });
    const auth = { authorization: `Bearer ${sendKey}` };

    // warm caches and JIT on both servers
    await drive({
      label: 'warm-up',
      url: `${GATEWAY}/api/v1/notifications`,
      seconds: 2,
      connections: 16,
      headers: auth,
      body: () => JSON.stringify(notification()),
    });
    await drive({
      label: 'warm-up bare',
      url: 'http://127.0.0.1:8099/json',
      seconds: 2,
      connections: 16,
      body: () => JSON.stringify(notification()),
    });

    /** The load's result and the CPU ms per request the serving process spent on it (user + system, all its threads). */
    const measured = async (pid: number, run: () => Promise<LoadResult>) => {
      const before = cpuMsOf(pid);
      const result = await run();
      return { result, cpuMsPerRequest: result.total > 0 ? (cpuMsOf(pid) - before) / result.total : 0 };
    };
    const idleRss = system.rssMiB();
    const bareMeasured = await measured(bare.child.pid!, () =>
      drive({
        label: 'bare Hono route',
        url: 'http://127.0.0.1:8099/json',
        seconds: SECONDS,
        connections: 32,
        body: () => JSON.stringify(notification()),
      }),
    );
    const bareResult = bareMeasured.result;
    const skipped: LoadResult = { requestsPerSecond: 0, latencyP50Ms: 0, latencyP99Ms: 0, non2xx: 0, errors: 0, total: 0 };
    const skippedMeasure = { result: skipped, cpuMsPerRequest: 0 };
    const singleMeasured =
      ONLY === 'batch'
        ? skippedMeasure
        : await measured(system.child.pid!, () =>
            drive({
              label: 'POST /notifications',
              url: `${GATEWAY}/api/v1/notifications`,
              seconds: SECONDS,
              connections: 32,
              headers: auth,
              body: () => JSON.stringify(notification()),
            }),
          );
    const single = singleMeasured.result;
    const batchSize = 1000;
    const batchMeasured =
      ONLY === 'single'
        ? skippedMeasure
        : await measured(system.child.pid!, () =>
            drive({
              label: 'POST /notifications/batch',
              url: `${GATEWAY}/api/v1/notifications/batch`,
              seconds: SECONDS,
              connections: 4,
              headers: auth,
              body: () => JSON.stringify({ notifications: Array.from({ length: batchSize }, notification) }),
            }),
          );
    const batch = batchMeasured.result;
    const cpu = (ms: number, per: string) => `${ms.toFixed(3)} CPU ms/${per}`;
    const sane = (r: LoadResult, label: string) => {
      if (r.errors > 0 || r.non2xx > 0) process.stderr.write(`  ${label}: ${r.non2xx} non-2xx, ${r.errors} errors\n`);
    };
    sane(single, 'single');
    sane(batch, 'batch');

    const rss = system.peakRssMiB();
    return [
      {
        bench: 'gateway',
        case: `bare Hono JSON route (baseline); ${cpu(bareMeasured.cpuMsPerRequest, 'request')}`,
        throughput: bareResult.requestsPerSecond,
        unit: 'req/s',
        p50Ms: bareResult.latencyP50Ms,
        p99Ms: bareResult.latencyP99Ms,
        ratio: 1,
        peakRssMiB: bare.peakRssMiB(),
      },
      {
        bench: 'gateway',
        // the process runs the gateway, user and template functions (the lookups' far side is in it too)
        case: `POST /api/v1/notifications (full path); ${cpu(singleMeasured.cpuMsPerRequest, 'request')} (gateway+user+template process, ${idleRss} MiB idle)`,
        throughput: single.requestsPerSecond,
        unit: 'req/s',
        p50Ms: single.latencyP50Ms,
        p99Ms: single.latencyP99Ms,
        ratio: single.requestsPerSecond / bareResult.requestsPerSecond,
        peakRssMiB: rss,
        note: 'goal >= 0.25 of baseline, p99 < 50 ms',
      },
      {
        bench: 'gateway',
        case: `POST /api/v1/notifications/batch (${batchSize}/call); ${cpu(batchMeasured.cpuMsPerRequest / batchSize, 'notification')}`,
        throughput: batch.requestsPerSecond * batchSize,
        unit: 'notifications/s',
        p50Ms: batch.latencyP50Ms,
        p99Ms: batch.latencyP99Ms,
        ratio: (batch.requestsPerSecond * batchSize) / bareResult.requestsPerSecond,
        peakRssMiB: rss,
        note: 'goal > 20,000 notifications/s',
      },
    ];
  } finally {
    await Promise.all([system.stop(), bare.stop()]);
    await platform.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await runGatewayBench();
  console.table(
    rows.map((r) => ({ ...r, throughput: Math.round(r.throughput), ratio: r.ratio === null ? '' : r.ratio.toFixed(2) })),
  );
}

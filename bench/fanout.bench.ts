// bench/fanout: sending to a topic of 100,000 subscribers through the public API.
// The platform runs as its own process (scripts/start.ts on Postgres, Redis and
// RabbitMQ); one POST /api/v1/notifications with topic_key, then the fan-out's
// progress is polled until it completes: notifications created per second.
// Then a second fan-out to the same topic is interrupted by a kill -9 of the
// whole process mid-way, the process is started again on the same data, and
// every subscriber must still have exactly one notification of it.
// Run: `BENCHES=fanout npm run bench` (BENCH_FANOUT_SUBSCRIBERS, default 100,000;
// needs DATABASE_URL, REDIS_URL, AMQP_URL; stop any `npm start` first: it uses ports 8000-8002).
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import postgres from 'postgres';
import { openBenchPlatform } from './lib/bench-platform.js';
import { spawnTs, waitForOk } from './lib/processes.js';
import { progress } from './lib/progress.js';

export interface FanoutBenchRow {
  case: string;
  throughput: number;
  unit: string;
  lost: number;
  duplicates: number;
  peakRssMiB?: number;
}

const GATEWAY = 'http://127.0.0.1:8000';
const SUBSCRIBERS = Number(process.env.BENCH_FANOUT_SUBSCRIBERS ?? 100_000);
const PER_CALL = 1000;

async function api(method: string, path: string, key: string, body?: unknown) {
  const res = await fetch(`${GATEWAY}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const parsed = (await res.json()) as { data: any };
  if (!res.ok && res.status !== 207) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(parsed).slice(0, 300)}`);
  return parsed.data;
}

/** Poll the fan-out until `until` holds; its last progress. */
async function follow(key: string, id: string, until: (p: any) => boolean, timeoutMs = 600_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await api('GET', `/api/v1/fanouts/${id}`, key);
    if (until(p)) return p;
    if (Date.now() > deadline) throw new Error(`fan-out ${id} stuck at ${JSON.stringify(p)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const fanoutBody = (topicKey: string) => ({
  notification_type: 'email',
  topic_key: topicKey,
  template_code: 'bench_news',
  variables: { name: 'everyone' },
  request_id: randomUUID(),
});

export async function runFanoutBench(env: Record<string, string | undefined> = process.env): Promise<FanoutBenchRow[]> {
  const platform = await openBenchPlatform('bench/fanout', env, {
    // the process started again after the kill takes the fan-out over once the dead one's lease runs out
    FANOUT_LEASE_MS: '3000',
  });
  let system = spawnTs('scripts/start.ts', platform.env, 'system');
  const sql = postgres(platform.databaseUrl, { max: 1, onnotice: () => {} });
  /** Notifications of a fan-out: how many, and how many distinct subscribers. */
  const written = async (id: string) => {
    const [row] = await sql<Array<{ n: number; users: number }>>`
      select count(*)::int as n, count(distinct user_id)::int as users from notifications
      where request_id like ${`fanout:${id}:%`}`;
    return row!;
  };
  try {
    await waitForOk(`${GATEWAY}/health/ready`, 120_000);
    const sendKey = (await api('POST', '/api/v1/api-keys', platform.adminKey, { name: 'bench', scopes: ['send'] })).key as string;
    await api('POST', '/api/v1/templates', platform.adminKey, {
      template_code: 'bench_news',
      channel: 'email',
      category: 'news',
      default_language: 'en',
      content: { subject: 'News for {{name}}', html: '<p>Hello {{name}}</p>' },
      variables: [{ name: 'name', required: true }],
    });
    const topicKey = `bench-${randomUUID()}`;
    await api('POST', '/api/v1/topics', sendKey, { topic_key: topicKey, name: 'Everyone' });
    const importing = progress(`${SUBSCRIBERS.toLocaleString('en-US')} subscribers`, SUBSCRIBERS / 5_000);
    const run = randomUUID().slice(0, 8);
    for (let start = 0; start < SUBSCRIBERS; start += PER_CALL) {
      const users = Array.from({ length: Math.min(PER_CALL, SUBSCRIBERS - start) }, (_, j) => ({
        external_id: `sub-${run}-${start + j}`,
        email: `s${start + j}-${run}@example.com`,
      }));
      const imported = await api('POST', '/api/v1/users/bulk', sendKey, { users });
      await api('POST', `/api/v1/topics/${topicKey}/subscribers`, sendKey, { external_ids: users.map((u) => u.external_id) });
      if (imported.rejected > 0) throw new Error(`${imported.rejected} recipients refused`);
    }
    importing();

    // one call, every subscriber
    const started = performance.now();
    const first = await api('POST', '/api/v1/notifications', sendKey, fanoutBody(topicKey));
    const done = await follow(sendKey, first.fanout_id, (p) => p.status === 'completed');
    const seconds = (performance.now() - started) / 1000;
    const firstRows = await written(first.fanout_id);
    const rss = system.peakRssMiB();

    // kill -9 mid fan-out, start again on the same data
    const second = await api('POST', '/api/v1/notifications', sendKey, fanoutBody(topicKey));
    const before = await follow(sendKey, second.fanout_id, (p) => p.created >= SUBSCRIBERS / 3, 300_000);
    system.child.kill('SIGKILL');
    await new Promise((resolve) => system.child.once('exit', resolve));
    system = spawnTs('scripts/start.ts', platform.env, 'system');
    await waitForOk(`${GATEWAY}/health/ready`, 120_000);
    const after = await follow(sendKey, second.fanout_id, (p) => p.status === 'completed');
    const secondRows = await written(second.fanout_id);
    return [
      {
        case: `one fan-out to ${SUBSCRIBERS.toLocaleString('en-US')} subscribers (${seconds.toFixed(1)} s, created ${done.created})`,
        throughput: SUBSCRIBERS / seconds,
        unit: 'notifications/s',
        lost: SUBSCRIBERS - firstRows.users,
        duplicates: firstRows.n - firstRows.users,
        peakRssMiB: rss,
      },
      {
        case: `the same, kill -9 of the platform at ${before.created} created, restarted: created ${after.created}`,
        throughput: 0,
        unit: 'notifications/s',
        lost: SUBSCRIBERS - secondRows.users,
        duplicates: secondRows.n - secondRows.users,
      },
    ];
  } finally {
    await sql.end();
    await system.stop();
    await platform.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await runFanoutBench());
}

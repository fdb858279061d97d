// bench/inbox: open inbox streams on one gateway, one in-app notification to each user; p50 and p99 from
// the intake call to the item's arrival on that user's stream, and the process's memory per open stream.
// The platform (user, template, gateway, in-app worker) runs in this process on PGlite (or DATABASE_URL),
// behind a real socket; the streams are fetch clients in the same process, so "memory per stream" counts
// both ends of each stream (an upper bound of the gateway's share).
// The baseline of the same run: 20 streams, the pipeline's latency with almost nothing open.
// Run: `BENCHES=inbox npm run bench` or `npx tsx bench/inbox.bench.ts` (BENCH_STREAMS, default 1000).
import type { AddressInfo } from 'node:net';
import { INBOX_TEMPLATE, seedInboxTemplate } from '../functions/gateway/test-support/inbox-kit.js';
import { openPlatform, type PlatformKit } from '../functions/gateway/test-support/platform-kit.js';
import { readSse } from '../functions/gateway/test-support/sse-reader.js';
import { closeServer, listen } from '../shared/runtime/serve.js';
import { testDatabases } from '../shared/test-support/test-databases.js';

const STREAMS = Number(process.env.BENCH_STREAMS ?? 1000);
const BASELINE_STREAMS = 20;
const IN_FLIGHT = 20;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const mib = (bytes: number) => bytes / 1024 / 1024;

async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

/** Users of the run, created in bulk (1,000 a request), each with an embed token. */
async function createUsers(kit: PlatformKit, count: number, tag: string): Promise<Map<string, string>> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1000) {
    const users = Array.from({ length: Math.min(1000, count - i) }, (_, k) => ({
      external_id: `bench-${tag}-${i + k}`,
      email: `bench-${tag}-${i + k}@example.com`,
      name: 'Ada',
    }));
    const answer = await kit.request('POST', '/api/v1/users/bulk', { auth: kit.sendKey, body: { users } });
    for (const item of answer.body.data.items) ids.push(item.data.id);
  }
  const tokens = new Map<string, string>();
  await inBatches(ids, IN_FLIGHT, async (id) => {
    const minted = await kit.request('POST', '/api/v1/inbox/tokens', { auth: kit.sendKey, body: { user_id: id } });
    tokens.set(id, minted.body.data.token);
  });
  return tokens;
}

/** Open a stream per user, send each one in-app notification, time each from intake to arrival on its stream. */
async function measure(kit: PlatformKit, base: string, tokens: Map<string, string>) {
  const ids = [...tokens.keys()];
  global.gc?.();
  const before = process.memoryUsage();
  const streams = new Map<string, ReturnType<typeof readSse>>();
  await inBatches(ids, IN_FLIGHT * 5, async (id) => {
    const res = await fetch(`${base}/api/v1/inbox/stream`, { headers: { authorization: `Bearer ${tokens.get(id)}` } });
    const stream = readSse(res.body!);
    await stream.nextOf('count');
    streams.set(id, stream);
  });
  global.gc?.();
  const after = process.memoryUsage();

  const latencies: number[] = [];
  const sentAt = new Map<string, number>();
  const arrived = Promise.all(
    ids.map(async (id) => {
      await streams.get(id)!.nextOf('notification');
      latencies.push(performance.now() - sentAt.get(id)!);
    }),
  );
  await inBatches(ids, IN_FLIGHT, async (id) => {
    sentAt.set(id, performance.now());
    const res = await fetch(`${base}/api/v1/notifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${kit.sendKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        notification_type: 'in_app',
        user_id: id,
        template_code: INBOX_TEMPLATE,
        variables: { name: 'Ada' },
        request_id: `b-${id}`,
      }),
    });
    if (res.status !== 202) throw new Error(`intake: ${res.status}`);
    await res.arrayBuffer();
  });
  await arrived;
  latencies.sort((a, b) => a - b);
  for (const stream of streams.values()) await stream.close();
  return {
    streams: ids.length,
    p50Ms: Math.round(percentile(latencies, 50)),
    p99Ms: Math.round(percentile(latencies, 99)),
    rssKiBPerStream: Math.round((after.rss - before.rss) / ids.length / 1024),
    heapKiBPerStream: Math.round((after.heapUsed - before.heapUsed) / ids.length / 1024),
  };
}

/**
 * The baseline, in the same run on the same platform: BASELINE_STREAMS streams, sent to the same way
 * (the pipeline's own latency with nearly nothing open); then STREAMS streams.
 */
export async function runInboxBench() {
  const targets = testDatabases();
  const kit = await openPlatform(targets.at(-1)!);
  await seedInboxTemplate(kit);
  const server = await listen(kit.gateway.app, 0, '127.0.0.1');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const stamp = Date.now();
    const baseline = await measure(kit, base, await createUsers(kit, BASELINE_STREAMS, `${stamp}-base`));
    const loaded = await measure(kit, base, await createUsers(kit, STREAMS, `${stamp}`));
    return { database: targets.at(-1)!.kind, baseline, loaded, rssMiB: Math.round(mib(process.memoryUsage().rss)) };
  } finally {
    await closeServer(server);
    await kit.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runInboxBench().then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    },
  );
}

// `npx tsx bench/push.bench.ts [messages] [concurrency]`: end-to-end push throughput
// (memory queue -> push consumer -> user + template functions -> Web Push -> local
// push service) against raw `web-push` sends to the same local push service, same run.
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import webpush from 'web-push';
import { createMemoryCache } from '../shared/cache/memory-cache.js';
import type { Fetcher } from '../shared/clients/fetcher.js';
import { createTemplateClient } from '../shared/clients/template-client.js';
import { createUserClient } from '../shared/clients/user-client.js';
import { createLogger } from '../shared/logging/logger.js';
import { MESSAGES, type MessageInput } from '../shared/messages.js';
import { createMemoryQueue } from '../shared/queue/memory-queue.js';
import { done } from '../shared/queue/queue.js';
import { testDatabases } from '../shared/test-support/test-databases.js';
import { createSendPush } from '../functions/push/consumer.js';
import { startLocalPushService, type LocalSubscription } from '../functions/push/local-push-service.js';
import { createMissingFcmSender } from '../functions/push/missing-fcm-sender.js';
import { withOriginBreakers } from '../functions/push/origin-breakers.js';
import { createPushSenderRouter } from '../functions/push/push-sender-router.js';
import { createWebPushSender } from '../functions/push/web-push-sender.js';
import { openTemplateTestKit, pushTemplateBody } from '../functions/template/test-support/template-test-kit.js';
import { openUserKit } from '../functions/user/test-support/user-test-kit.js';

export interface PushBenchOptions {
  /** Push messages per mode. */
  messages?: number;
  /** Sends in flight at once, for both modes (consumer concurrency = raw concurrency). */
  concurrency?: number;
  /** Users, one Web Push device each; messages are spread over them. */
  users?: number;
}

export interface PushBenchRow {
  mode: string;
  messages: number;
  seconds: number;
  per_second: number;
  ratio: number;
  lost: number;
}

const inProcess = (app: { fetch(request: Request): Response | Promise<Response> }): Fetcher => (request) => Promise.resolve(app.fetch(request));

/** Run `total` tasks, `concurrency` at a time. */
async function pool(total: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (next < total) await task(next++);
    }),
  );
}

/** The benchmark; resolves with one row per mode (raw first). */
export async function runPushBench(options: PushBenchOptions = {}): Promise<PushBenchRow[]> {
  const messages = options.messages ?? 2000;
  const concurrency = options.concurrency ?? 32;
  const userCount = options.users ?? 100;
  const logger = createLogger({ level: 'silent', name: 'push-bench' });

  const [db] = testDatabases({});
  const [users, templates, service] = await Promise.all([openUserKit(db!), openTemplateTestKit(db!), startLocalPushService({ keepPerSubscription: 5 })]);
  const vapid = { ...webpush.generateVAPIDKeys(), subject: 'mailto:bench@example.com' };

  const code = `bench_push_${Date.now().toString(36)}`;
  const created = await templates.call('POST', '/api/v1/templates', {
    body: pushTemplateBody(code, { content: { title: 'Hi {{name}}', body: 'Open {{link}}', url: '{{link}}', data: { kind: 'bench' } } }),
  });
  const version = created.body.data.version.version as number;

  const recipients: Array<{ id: string; subscription: LocalSubscription }> = [];
  for (let i = 0; i < userCount; i++) {
    const user = await users.createUser();
    const subscription = service.createSubscription({ applicationServerKey: vapid.publicKey });
    const res = await users.request('POST', `/api/v1/users/${user.id}/push-subscriptions`, {
      auth: user.token,
      body: { endpoint: subscription.endpoint, keys: subscription.keys },
    });
    if (res.status !== 201) throw new Error(`device registration failed: ${JSON.stringify(res.body)}`);
    recipients.push({ id: user.id, subscription });
  }

  // --- raw: web-push's own sendNotification, keep-alive agent trusting the local CA
  const agent = new https.Agent({ keepAlive: true, maxSockets: 64, ca: [...rootCertificates, service.certificatePem] });
  const samplePayload = JSON.stringify({
    notification_id: randomUUID(),
    title: 'Hi Ada',
    body: 'Open https://app.example/inbox',
    url: 'https://app.example/inbox',
    data: { kind: 'bench' },
  });
  const rawSend = (i: number) =>
    webpush
      .sendNotification(recipients[i % userCount]!.subscription, samplePayload, { vapidDetails: vapid, TTL: 86_400, urgency: 'normal', agent, timeout: 10_000 })
      .then(() => true)
      .catch(() => false);
  await pool(100, concurrency, async (i) => void (await rawSend(i)));

  const rawAcceptedBefore = service.acceptedCount;
  let rawOk = 0;
  const rawStart = performance.now();
  await pool(messages, concurrency, async (i) => {
    if (await rawSend(i)) rawOk++;
  });
  const rawSeconds = (performance.now() - rawStart) / 1000;
  const rawLost = messages - Math.min(rawOk, service.acceptedCount - rawAcceptedBefore);
  agent.destroy();

  // --- end to end: memory queue -> consumer -> user/template apps -> sender -> local push service
  const cache = createMemoryCache({ maxEntries: 1_000_000 });
  const queue = createMemoryQueue({ logger });
  const sender = withOriginBreakers(
    createPushSenderRouter({
      webPush: createWebPushSender({ vapid, timeoutMs: 10_000, extraCaPem: service.certificatePem }),
      fcm: createMissingFcmSender(),
    }),
  );
  const handler = createSendPush({
    users: createUserClient({ fetcher: inProcess(users.app), cache, recipientTtlMs: 30_000 }),
    templates: createTemplateClient({ fetcher: inProcess(templates.app), cache }),
    sender,
    cache,
    queue,
    logger,
    defaults: { ttlSeconds: 86_400, urgency: 'normal' },
    maxAttempts: MESSAGES.push.retry.maxAttempts,
  });
  const delivered = new Set<string>();
  const failed = new Set<string>();
  let resolveAll!: () => void;
  const allSettled = new Promise<void>((resolve) => (resolveAll = resolve));
  let target = Infinity;
  const statusConsumer = await queue.consume(
    'status',
    async (status) => {
      if (status.device_id === undefined) (status.status === 'delivered' ? delivered : failed).add(status.notification_id);
      if (delivered.size + failed.size >= target) resolveAll();
      return done();
    },
    { concurrency: 64 },
  );
  const pushConsumer = await queue.consume('push', handler, { concurrency });
  const message = (i: number): MessageInput<'push'> => ({
    notification_id: randomUUID(),
    request_id: randomUUID(),
    correlation_id: randomUUID(),
    attempt: 1,
    priority: 5,
    user_id: recipients[i % userCount]!.id,
    template_code: code,
    template_version: version,
    language: 'en',
    variables: { name: 'Ada', link: 'https://app.example/inbox' },
    metadata: {},
  });

  // warm up the same path (JIT, connections, PGlite caches), then measure
  target = 100;
  await queue.publishMany('push', Array.from({ length: 100 }, (_, i) => message(i)));
  await allSettled;
  delivered.clear();
  failed.clear();
  const pipelineAcceptedBefore = service.acceptedCount;
  let resolveRun!: () => void;
  const run = new Promise<void>((resolve) => (resolveRun = resolve));
  target = messages;
  resolveAll = resolveRun;
  const start = performance.now();
  await queue.publishMany('push', Array.from({ length: messages }, (_, i) => message(i)));
  await run;
  const seconds = (performance.now() - start) / 1000;
  const accepted = service.acceptedCount - pipelineAcceptedBefore;
  const lost = messages - Math.min(delivered.size, accepted);

  await pushConsumer.stop();
  await statusConsumer.stop();
  await queue.close();
  await sender.close?.();
  await Promise.all([service.close(), users.close(), templates.close()]);

  const rawRate = messages / rawSeconds;
  const rate = messages / seconds;
  return [
    { mode: 'raw web-push sendNotification', messages, seconds: round(rawSeconds), per_second: Math.round(rawRate), ratio: 1, lost: rawLost },
    { mode: 'end to end (queue -> push function)', messages, seconds: round(seconds), per_second: Math.round(rate), ratio: round(rate / rawRate), lost },
  ];
}

const round = (n: number) => Math.round(n * 100) / 100;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const messages = Number(process.argv[2] ?? 2000);
  const concurrency = Number(process.argv[3] ?? 32);
  const rows = await runPushBench({ messages, concurrency });
  console.table(rows);
  const [raw, e2e] = rows as [PushBenchRow, PushBenchRow];
  process.stdout.write(
    `end to end at ${Math.round(e2e.ratio * 100)}% of raw (goal >= 60%), lost ${e2e.lost} (goal 0); raw lost ${raw.lost}\n`,
  );
  process.exit(e2e.ratio >= 0.6 && e2e.lost === 0 ? 0 : 1);
}

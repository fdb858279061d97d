// bench/email: end-to-end email throughput. N `email` messages go on the memory
// queue -> the email consumer (idempotency markers, status messages, breaker,
// rate limiter, failover chain, pooled SMTP) -> a real SMTP sink that counts
// distinct Message-IDs. Compared with raw nodemailer (same pool size) sending
// the same mails to the same sink in the same run.
// Run: `npx tsx bench/email.bench.ts` (EMAIL_BENCH_N per round, EMAIL_BENCH_ROUNDS, EMAIL_BENCH_POOL,
// EMAIL_BENCH_CONCURRENCY to change the load).
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { createTransport } from 'nodemailer';
import { createSendEmail } from '../functions/email/consumer.js';
import { createEmailHeaders } from '../functions/email/email-headers.js';
import { createProviderMailers } from '../functions/email/providers/create-mailers.js';
import { emailMessage, fakeTemplates } from '../functions/email/test-support/email-test-kit.js';
import { type SmtpTestServer, startSmtpTestServer } from '../functions/email/test-support/smtp-test-server.js';
import { createMemoryCache } from '../shared/cache/memory-cache.js';
import { loadConfig } from '../shared/config.js';
import { testDeliveryCore } from '../shared/delivery/testing/test-delivery-core.js';
import { createLogger } from '../shared/logging/logger.js';
import { MESSAGES } from '../shared/messages.js';
import { createMemoryQueue } from '../shared/queue/memory-queue.js';

export interface EmailBenchRow {
  bench: 'email';
  case: string;
  mails: number;
  seconds: number;
  throughput: number;
  unit: 'mail/s';
  /** Throughput relative to raw nodemailer in the same run. */
  ratio: number | null;
  lost: number;
  duplicates: number;
}

const FROM = 'Bench <bench@mail.example.com>';

/** Wait until `done()` or `timeoutMs` passes, checking every few ms (a bench loop, not a test). */
async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
}

function tally(sink: SmtpTestServer, ids: string[]): { received: number; duplicates: number } {
  const counts = sink.messageIdCounts();
  let received = 0;
  let duplicates = 0;
  for (const id of ids) {
    const n = counts.get(id) ?? 0;
    if (n > 0) received++;
    if (n > 1) duplicates += n - 1;
  }
  return { received, duplicates };
}

async function rawNodemailer(sink: SmtpTestServer, n: number, pool: number): Promise<Omit<EmailBenchRow, 'ratio'>> {
  const transport = createTransport({
    pool: true,
    host: '127.0.0.1',
    port: sink.port,
    secure: false,
    maxConnections: pool,
    maxMessages: 1_000,
  });
  const ids = Array.from({ length: n }, () => `<raw-${randomUUID()}@mail.example.com>`);
  const started = performance.now();
  await Promise.all(
    ids.map((messageId) =>
      transport.sendMail({
        from: FROM,
        to: 'reader@example.com',
        subject: 'Hello Ada',
        html: '<p>Hello <b>Ada</b></p>',
        text: 'Hello Ada',
        messageId,
      }),
    ),
  );
  await until(() => tally(sink, ids).received === n, 5_000);
  const seconds = (performance.now() - started) / 1000;
  transport.close();
  const { received, duplicates } = tally(sink, ids);
  return {
    bench: 'email',
    case: `raw nodemailer pool (${pool} connections)`,
    mails: n,
    seconds,
    throughput: received / seconds,
    unit: 'mail/s',
    lost: n - received,
    duplicates,
  };
}

async function throughConsumer(
  sink: SmtpTestServer,
  n: number,
  pool: number,
  concurrency: number,
): Promise<Omit<EmailBenchRow, 'ratio'>> {
  // production logs one line per delivered mail at info: pay for that, not for a test logger's debug lines
  const logger = createLogger({ level: 'info', name: 'email', destination: new Writable({ write: (_c, _e, done) => done() }) });
  const config = loadConfig({
    NODE_ENV: 'test',
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(sink.port),
    SMTP_POOL_SIZE: String(pool),
    EMAIL_FROM: FROM,
  });
  const cache = createMemoryCache();
  const queue = createMemoryQueue({ logger });
  const mailers = createProviderMailers(config, { cache, logger });
  let delivered = 0;
  const statusConsumer = await queue.consume(
    'status',
    async (status) => {
      if (status.status === 'delivered') delivered++;
      return { type: 'done' };
    },
    { concurrency: 256 },
  );
  const sendEmail = createSendEmail({
    mailer: mailers.chain,
    templates: fakeTemplates(),
    // the delivery ledger in memory, as the cache beside it: the consumer and SMTP are measured, not Postgres
    core: testDeliveryCore({ channel: 'email', queue, logger, maxAttempts: MESSAGES.email.retry.maxAttempts }),
    from: FROM,
    headers: createEmailHeaders({
      from: FROM,
      unsubscribe: {
        baseUrl: 'https://notify.example.com',
        secret: 'b'.repeat(40),
        ttlMs: 86_400_000,
        transactionalCategories: ['security'],
      },
    }),
  });
  const messages = Array.from({ length: n }, () => emailMessage({ to: 'reader@example.com' }));
  const ids = messages.map((m) => `<${m.notification_id}@mail.example.com>`);

  const started = performance.now();
  await queue.publishMany('email', messages);
  const consumer = await queue.consume('email', sendEmail, { concurrency });
  await until(() => delivered >= n && tally(sink, ids).received === n, 60_000);
  const seconds = (performance.now() - started) / 1000;

  // a second delivery of every message: nothing may reach the sink again
  await queue.publishMany('email', messages.slice(0, Math.min(200, n)));
  await until(() => delivered >= n + Math.min(200, n), 10_000);

  await consumer.stop();
  await statusConsumer.stop();
  await queue.close();
  await mailers.chain.close();
  const { received, duplicates } = tally(sink, ids);
  return {
    bench: 'email',
    case: `queue -> consumer -> SMTP (pool ${pool}, concurrency ${concurrency})`,
    mails: n,
    seconds,
    throughput: received / seconds,
    unit: 'mail/s',
    lost: n - received,
    duplicates,
  };
}

/** Rows of one path added up over the rounds: total mails over total time. */
function combine(rows: Array<Omit<EmailBenchRow, 'ratio'>>): Omit<EmailBenchRow, 'ratio'> {
  const mails = rows.reduce((sum, r) => sum + r.mails, 0);
  const seconds = rows.reduce((sum, r) => sum + r.seconds, 0);
  const lost = rows.reduce((sum, r) => sum + r.lost, 0);
  return {
    ...rows[0]!,
    case: `${rows[0]!.case} x${rows.length}`,
    mails,
    seconds,
    throughput: (mails - lost) / seconds,
    lost,
    duplicates: rows.reduce((sum, r) => sum + r.duplicates, 0),
  };
}

/**
 * Rounds alternate raw and consumer runs, so a neighbour's load on the shared
 * cores falls on both paths alike; each path's figure is its total mails over
 * its total time.
 */
export async function runEmailBench(env: Record<string, string | undefined> = process.env): Promise<EmailBenchRow[]> {
  const n = Number(env.EMAIL_BENCH_N ?? 3_000);
  const rounds = Number(env.EMAIL_BENCH_ROUNDS ?? 3);
  const pool = Number(env.EMAIL_BENCH_POOL ?? 5);
  const concurrency = Number(env.EMAIL_BENCH_CONCURRENCY ?? 32);
  const sink = await startSmtpTestServer({ countOnly: true });
  try {
    // warm both paths (JIT, first connections) so neither pays it in the measured run
    await rawNodemailer(sink, 200, pool);
    await throughConsumer(sink, 200, pool, concurrency);
    const raws: Array<Omit<EmailBenchRow, 'ratio'>> = [];
    const ours: Array<Omit<EmailBenchRow, 'ratio'>> = [];
    for (let round = 0; round < rounds; round++) {
      raws.push(await rawNodemailer(sink, n, pool));
      ours.push(await throughConsumer(sink, n, pool, concurrency));
    }
    const raw = combine(raws);
    const consumer = combine(ours);
    return [
      { ...raw, ratio: 1 },
      { ...consumer, ratio: consumer.throughput / raw.throughput },
    ];
  } finally {
    await sink.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await runEmailBench();
  const line = (cells: string[]) => process.stdout.write(`${cells.join(' | ')}\n`);
  line(['case'.padEnd(56), 'mails', 'seconds', 'mail/s'.padStart(8), 'ratio', 'lost', 'duplicates']);
  for (const r of rows) {
    line([
      r.case.padEnd(56),
      String(r.mails).padStart(5),
      r.seconds.toFixed(2).padStart(7),
      r.throughput.toFixed(0).padStart(8),
      `${((r.ratio ?? 0) * 100).toFixed(0)}%`.padStart(5),
      String(r.lost).padStart(4),
      String(r.duplicates).padStart(10),
    ]);
  }
  const ours = rows[1]!;
  const pass = (ours.ratio ?? 0) >= 0.6 && ours.lost === 0 && ours.duplicates === 0;
  process.stdout.write(`goal (>= 60% of raw, 0 lost, 0 duplicates): ${pass ? 'met' : 'NOT met'}\n`);
  process.exit(0);
}

// Queue throughput: publish + consume of the same messages through each adapter, against raw amqplib
// (confirm channel, persistent messages, same body size) in the same run.
//   npx tsx bench/queue.bench.ts            AMQP_URL defaults to the local broker
//   BENCH_MESSAGES=50000 npx tsx bench/queue.bench.ts
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres BENCH_ONLY=postgres npx tsx bench/queue.bench.ts
//     (the Postgres driver on a throwaway database, beside raw amqplib only)
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import amqp from 'amqplib';
import { startFauxqs } from 'fauxqs';
import postgres from 'postgres';
import { createDb } from '../shared/db/create-db.js';
import { createLogger } from '../shared/logging/logger.js';
import type { MessageInput } from '../shared/messages.js';
import { createMemoryQueue } from '../shared/queue/memory-queue.js';
import { createPostgresQueue } from '../shared/queue/postgres/postgres-queue.js';
import type { Queue } from '../shared/queue/queue.js';
import { createRabbitQueue } from '../shared/queue/rabbitmq/rabbit-queue.js';
import { BROKER_PRIORITY_BANDS, dropRabbitTopology } from '../shared/queue/rabbitmq/topology.js';
import { createSqsQueue } from '../shared/queue/sqs/sqs-queue.js';
import { emailMessage } from '../shared/queue/testing/fixtures.js';

export interface QueueBenchRow {
  adapter: string;
  messages: number;
  seconds: number;
  perSecond: number;
  /** Throughput relative to raw amqplib. */
  ratio: number | undefined;
}

export interface QueueBenchOptions {
  amqpUrl?: string;
  /** Messages per broker run. Default 20,000. */
  messages?: number;
  /** SQS runs against an in-process emulator, so fewer. Default 5,000. */
  sqsMessages?: number;
  /** Prefetch / concurrency of every consumer. Default 100. */
  concurrency?: number;
  /** Alternating raw / adapter RabbitMQ runs; the median of each counts. Default 3. */
  rounds?: number;
  /** Postgres server for the Postgres driver's row (a throwaway database on it); no row without it. */
  databaseUrl?: string | undefined;
  /** Only these adapters beside the raw amqplib baseline (default: every one). */
  only?: ReadonlyArray<BenchAdapter>;
}

export const BENCH_ADAPTERS = ['rabbitmq', 'memory', 'sqs', 'postgres'] as const;
export type BenchAdapter = (typeof BENCH_ADAPTERS)[number];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const logger = createLogger({ level: 'silent', name: 'bench' });

function sampleMessages(n: number): Array<MessageInput<'email'>> {
  return Array.from({ length: n }, () => emailMessage());
}

/** Raw amqplib: one confirm channel publishing, one channel consuming with manual acks. */
async function rawAmqp(
  url: string,
  messages: Array<MessageInput<'email'>>,
  concurrency: number,
  queueArguments: Record<string, unknown> = {},
): Promise<number> {
  const connection = await amqp.connect(url);
  const publisher = await connection.createConfirmChannel();
  const consumer = await connection.createChannel();
  const queue = `bench-raw-${randomUUID()}`;
  await publisher.assertQueue(queue, { durable: true, arguments: queueArguments });
  await consumer.prefetch(concurrency);
  const start = performance.now();
  let consumed = 0;
  const allConsumed = new Promise<void>((resolve) => {
    void consumer.consume(queue, (msg) => {
      if (!msg) return;
      JSON.parse(msg.content.toString('utf8'));
      consumer.ack(msg);
      if (++consumed === messages.length) resolve();
    });
  });
  const confirms: Array<Promise<void>> = [];
  for (const message of messages) {
    // serialized inside the timed run, as the adapter must
    const body = Buffer.from(JSON.stringify(message));
    confirms.push(
      new Promise((resolve, reject) =>
        publisher.publish(
          '',
          queue,
          body,
          { persistent: true, contentType: 'application/json', priority: message.priority, messageId: randomUUID() },
          (err) => (err ? reject(err) : resolve()),
        ),
      ),
    );
  }
  await Promise.all(confirms);
  await allConsumed;
  const seconds = (performance.now() - start) / 1000;
  await publisher.deleteQueue(queue);
  await connection.close();
  return seconds;
}

/** Our adapter: publishMany (confirmed) while a consumer validates each message and returns done. */
async function throughAdapter(queue: Queue, messages: Array<MessageInput<'email'>>, concurrency: number): Promise<number> {
  let consumed = 0;
  let resolveAll!: () => void;
  const allConsumed = new Promise<void>((resolve) => (resolveAll = resolve));
  const consumer = await queue.consume(
    'email',
    async () => {
      if (++consumed === messages.length) resolveAll();
      return { type: 'done' };
    },
    { concurrency },
  );
  const start = performance.now();
  // all at once, as the raw run does: the comparison is of client overhead, not of batching strategy
  await queue.publishMany('email', messages);
  await allConsumed;
  const seconds = (performance.now() - start) / 1000;
  await consumer.stop();
  return seconds;
}

/** The Postgres driver on a database of its own, created and dropped around the run. */
async function throughPostgres(serverUrl: string, messages: Array<MessageInput<'email'>>, concurrency: number): Promise<number> {
  const name = `bench_queue_${randomUUID().slice(0, 8)}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  try {
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    const database = await createDb({ databaseUrl: url.toString(), pgliteDir: 'memory://' });
    const queue = await createPostgresQueue({ database, logger });
    try {
      return await throughAdapter(queue, messages, concurrency);
    } finally {
      await queue.close();
      await database.close();
    }
  } finally {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

/** Run every adapter once and return one row each (ratios against raw amqplib). */
export async function runQueueBench(options: QueueBenchOptions = {}): Promise<QueueBenchRow[]> {
  const url = options.amqpUrl ?? 'amqp://guest:guest@127.0.0.1:5672';
  const n = options.messages ?? 20_000;
  const sqsN = options.sqsMessages ?? 5_000;
  const concurrency = options.concurrency ?? 100;
  const rounds = options.rounds ?? 3;
  const messages = sampleMessages(n);
  const results: Array<Omit<QueueBenchRow, 'ratio'>> = [];
  const row = (adapter: string, count: number, seconds: number) =>
    results.push({ adapter, messages: count, seconds, perSecond: Math.round(count / seconds) });

  const runs = (adapter: BenchAdapter) => !options.only || options.only.includes(adapter);
  // raw and adapter runs alternate and the median counts: the broker shares a small, busy machine
  const rawRuns: number[] = [];
  const rawPriorityRuns: number[] = [];
  const rabbitRuns: number[] = [];
  const postgresRuns: number[] = [];
  const prefix = `bench-${randomUUID().slice(0, 8)}.`;
  const rabbit = runs('rabbitmq') ? createRabbitQueue({ url, logger, prefix }) : undefined;
  const databaseUrl = runs('postgres') ? options.databaseUrl : undefined;
  try {
    for (let round = 0; round < rounds; round++) {
      rawRuns.push(await rawAmqp(url, messages, concurrency));
      if (rabbit) rabbitRuns.push(await throughAdapter(rabbit, messages, concurrency));
      if (databaseUrl) postgresRuns.push(await throughPostgres(databaseUrl, messages, concurrency));
      if (rabbit) rawPriorityRuns.push(await rawAmqp(url, messages, concurrency, { 'x-max-priority': BROKER_PRIORITY_BANDS }));
    }
  } finally {
    await rabbit?.close();
    if (rabbit) await dropRabbitTopology(url, prefix);
  }
  row(`raw amqplib (confirm channel), median of ${rounds}`, n, median(rawRuns));
  if (rabbit) {
    row(`raw amqplib, priority queue like ours, median of ${rounds}`, n, median(rawPriorityRuns));
    row(`rabbitmq adapter, median of ${rounds}`, n, median(rabbitRuns));
  }
  if (databaseUrl) row(`postgres adapter (real Postgres), median of ${rounds}`, n, median(postgresRuns));

  if (runs('memory')) {
    const memory = createMemoryQueue({ logger });
    row('memory adapter', n, await throughAdapter(memory, messages, concurrency));
    await memory.close();
  }

  if (runs('sqs')) await sqsRow();
  async function sqsRow() {
    const server = await startFauxqs({ port: 0, logger: false });
    const sqs = createSqsQueue({
      logger,
      endpoint: server.address,
      region: 'us-east-1',
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
      waitTimeSeconds: 1,
    });
    try {
      row('sqs adapter (fauxqs, in-process)', sqsN, await throughAdapter(sqs, messages.slice(0, sqsN), concurrency));
    } finally {
      await sqs.close();
      await server.stop();
    }
  }

  const raw = results[0]!.perSecond;
  return results.map((r) => ({ ...r, ratio: r.perSecond / raw }));
}

export function formatQueueBench(rows: QueueBenchRow[]): string {
  const lines = [
    ['adapter', 'messages', 'seconds', 'msg/s', 'vs raw'],
    ...rows.map((r) => [
      r.adapter,
      String(r.messages),
      r.seconds.toFixed(2),
      String(r.perSecond),
      r.ratio === undefined ? '-' : `${(r.ratio * 100).toFixed(0)}%`,
    ]),
  ];
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  return lines
    .map((l) => l.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '))
    .join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const size = Buffer.byteLength(JSON.stringify(emailMessage()));
  const rows = await runQueueBench({
    amqpUrl: process.env.AMQP_URL,
    messages: process.env.BENCH_MESSAGES ? Number(process.env.BENCH_MESSAGES) : undefined,
    databaseUrl: process.env.DATABASE_URL,
    ...(process.env.BENCH_ONLY && { only: process.env.BENCH_ONLY.split(',') as BenchAdapter[] }),
  });
  console.log(`publish + consume, ~${size} B JSON messages, persistent, confirmed, prefetch 100\n`);
  console.log(formatQueueBench(rows));
  const rabbit = rows.find((r) => r.adapter.startsWith('rabbitmq adapter'));
  const rawPriority = rows.find((r) => r.adapter.startsWith('raw amqplib, priority'));
  if (rabbit?.ratio !== undefined && rawPriority) {
    console.log(
      `\nrabbitmq adapter: ${(rabbit.ratio * 100).toFixed(0)}% of raw amqplib on a plain queue, ` +
        `${((rabbit.perSecond / rawPriority.perSecond) * 100).toFixed(0)}% of raw amqplib on the same priority queue (goal: 70%)`,
    );
  }
}

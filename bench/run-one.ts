// Runs one benchmark in this process and prints its rows as JSON on the last
// stdout line, with this process's peak RSS: bench/run.ts starts one per bench
// so each one's memory is its own.
import type { ResultRow } from './lib/rows.js';

const name = process.argv[2];
const peakRssMiB = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function run(): Promise<ResultRow[]> {
  switch (name) {
    case 'queue': {
      const { runQueueBench } = await import('./queue.bench.js');
      const rows = await runQueueBench();
      return rows.map((r) => ({
        bench: 'queue',
        case: r.adapter,
        throughput: r.perSecond,
        unit: 'msg/s',
        ratio: r.ratio ?? null,
        goal: r.adapter.startsWith('rabbitmq adapter') ? '>= 0.70 of raw amqplib' : undefined,
      }));
    }
    case 'gateway': {
      const { runGatewayBench } = await import('./gateway.bench.js');
      const rows = await runGatewayBench();
      return rows.map((r) => ({ bench: r.bench, case: r.case, throughput: r.throughput, unit: r.unit, ratio: r.ratio, p50Ms: r.p50Ms, p99Ms: r.p99Ms, peakRssMiB: r.peakRssMiB ?? undefined, goal: r.note }));
    }
    case 'email': {
      const { runEmailBench } = await import('./email.bench.js');
      const rows = await runEmailBench();
      return rows.map((r) => ({ bench: 'email', case: r.case, throughput: r.throughput, unit: r.unit, ratio: r.ratio, lost: r.lost, duplicates: r.duplicates, goal: r.ratio !== 1 ? '>= 0.60 of raw nodemailer, 0 lost, 0 dup' : undefined }));
    }
    case 'push': {
      const { runPushBench } = await import('./push.bench.js');
      const rows = await runPushBench();
      return rows.map((r) => ({ bench: 'push', case: r.mode, throughput: r.per_second, unit: 'push/s', ratio: r.ratio, lost: r.lost, goal: r.ratio !== 1 ? '>= 0.60 of raw web-push, 0 lost' : undefined }));
    }
    default:
      throw new Error(`unknown bench ${name}`);
  }
}

const rows = await run();
const rss = peakRssMiB();
process.stdout.write(`\n${JSON.stringify(rows.map((r) => ({ ...r, peakRssMiB: r.peakRssMiB ?? rss })))}\n`);
process.exit(0);

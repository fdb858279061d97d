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
      const rows = await runQueueBench({ databaseUrl: process.env.DATABASE_URL });
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
      return rows.map((r) => ({
        bench: r.bench,
        case: r.case,
        throughput: r.throughput,
        unit: r.unit,
        ratio: r.ratio,
        p50Ms: r.p50Ms,
        p99Ms: r.p99Ms,
        peakRssMiB: r.peakRssMiB ?? undefined,
        goal: r.note,
      }));
    }
    case 'email': {
      const { runEmailBench } = await import('./email.bench.js');
      const rows = await runEmailBench();
      return rows.map((r) => ({
        bench: 'email',
        case: r.case,
        throughput: r.throughput,
        unit: r.unit,
        ratio: r.ratio,
        lost: r.lost,
        duplicates: r.duplicates,
        goal: r.ratio !== 1 ? '>= 0.60 of raw nodemailer, 0 lost, 0 dup' : undefined,
      }));
    }
    case 'push': {
      const { runPushBench } = await import('./push.bench.js');
      const rows = await runPushBench();
      return rows.map((r) => ({
        bench: 'push',
        case: r.mode,
        throughput: r.per_second,
        unit: 'push/s',
        ratio: r.ratio,
        lost: r.lost,
        goal: r.ratio !== 1 ? '>= 0.60 of raw web-push, 0 lost' : undefined,
      }));
    }
    case 'recipients': {
      const { runRecipientsBench } = await import('./recipients.bench.js');
      const rows = await runRecipientsBench();
      return rows.map((r) => ({
        bench: 'recipients',
        case: r.cpuMsPerItem === undefined ? r.case : `${r.case}, ${r.cpuMsPerItem.toFixed(2)} CPU ms each`,
        throughput: r.throughput,
        unit: r.unit,
        ratio: r.ratio,
        peakRssMiB: r.peakRssMiB,
        goal: r.note,
      }));
    }
    case 'fanout': {
      const { runFanoutBench } = await import('./fanout.bench.js');
      const rows = await runFanoutBench();
      return rows.map((r) => ({
        bench: 'fanout',
        case: r.case,
        throughput: r.throughput,
        unit: r.unit,
        ratio: null,
        lost: r.lost,
        duplicates: r.duplicates,
        peakRssMiB: r.peakRssMiB,
        goal: '0 lost, 0 dup',
      }));
    }
    case 'inbox': {
      const { runInboxBench } = await import('./inbox.bench.js');
      const r = await runInboxBench();
      const row = (m: typeof r.baseline, label: string) => ({
        bench: 'inbox',
        case: `${m.streams} open streams (${r.database}), one in-app notification each, intake to arrival${label}`,
        throughput: m.streams,
        unit: 'streams',
        // latency against the baseline's (lower is better)
        ratio: m === r.baseline ? 1 : Number((m.p50Ms / Math.max(1, r.baseline.p50Ms)).toFixed(2)),
        p50Ms: m.p50Ms,
        p99Ms: m.p99Ms,
      });
      return [
        row(r.baseline, ' (baseline)'),
        row(
          r.loaded,
          `; p50 latency ratio to the baseline; ${r.loaded.rssKiBPerStream} KiB RSS, ${r.loaded.heapKiBPerStream} KiB heap per stream`,
        ),
      ];
    }
    case 'workflows': {
      const { runWorkflowsBench } = await import('./workflows.bench.js');
      const rows = await runWorkflowsBench();
      return rows.map((r) => ({
        bench: 'workflows',
        case: r.case,
        throughput: r.throughput,
        unit: r.unit,
        ratio: r.ratio,
        p50Ms: r.p50Ms,
        p99Ms: r.p99Ms,
        peakRssMiB: r.peakRssMiB,
        goal: r.note,
      }));
    }
    default:
      throw new Error(`unknown bench ${name}`);
  }
}

const rows = await run();
const rss = peakRssMiB();
process.stdout.write(`\n${JSON.stringify(rows.map((r) => ({ ...r, peakRssMiB: r.peakRssMiB ?? rss })))}\n`);
process.exit(0);

// `npm run bench`: every benchmark under bench/, each against a baseline
// measured in the same run. Writes bench/results/<date>.json and .svg (and
// latest.svg for the README) and prints the table.
// Needs DATABASE_URL, REDIS_URL and AMQP_URL (the gateway and queue benches use the real services).
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { chartSvg } from './lib/chart.js';
import { markdownTable, type ResultRow } from './lib/rows.js';

const BENCHES = (process.env.BENCHES ?? 'queue,gateway,email,push').split(',').filter(Boolean);

function runOne(name: string, index: number): Promise<ResultRow[]> {
  return new Promise((resolve, reject) => {
    process.stderr.write(`\n[${index + 1}/${BENCHES.length}] ${name}\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run-one.ts', name], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const text = chunk.toString().trim();
      if (text && !text.startsWith('[{')) process.stderr.write(`  ${text.split('\n').join('\n  ')}\n`);
    });
    child.on('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('[')) return reject(new Error(`bench ${name} failed (exit ${code})`));
      resolve(JSON.parse(last) as ResultRow[]);
    });
  });
}

const rows: ResultRow[] = [];
const failures: string[] = [];
for (const [i, name] of BENCHES.entries()) {
  try {
    rows.push(...(await runOne(name, i)));
  } catch (err) {
    failures.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
mkdirSync('bench/results', { recursive: true });
const machine = {
  node: process.version,
  cpus: (await import('node:os')).cpus().length,
  load: (await import('node:os')).loadavg(),
};
writeFileSync(
  `bench/results/${stamp}.json`,
  JSON.stringify({ date: new Date().toISOString(), machine, rows, failures }, null, 2),
);
const svg = chartSvg(rows, `npm run bench, ${new Date().toISOString().slice(0, 16)}Z, ${machine.cpus} cores`);
writeFileSync(`bench/results/${stamp}.svg`, svg);
writeFileSync('bench/results/latest.svg', svg);
writeFileSync('bench/results/latest.md', `${markdownTable(rows)}\n`);

process.stdout.write(`\n${markdownTable(rows)}\n\n`);
process.stdout.write(`results: bench/results/${stamp}.json, chart: bench/results/${stamp}.svg\n`);
if (failures.length > 0) {
  process.stdout.write(`failed: ${failures.join('; ')}\n`);
  process.exit(1);
}

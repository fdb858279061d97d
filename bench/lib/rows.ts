/** One line of the benchmark table, whatever bench produced it. */
export interface ResultRow {
  bench: string;
  case: string;
  throughput: number;
  unit: string;
  /** Against the baseline measured in the same run (1 for the baseline itself). */
  ratio: number | null;
  p50Ms?: number | undefined;
  p99Ms?: number | undefined;
  lost?: number | undefined;
  duplicates?: number | undefined;
  /** Peak resident memory of the process that ran the system under test. */
  peakRssMiB?: number | undefined;
  goal?: string | undefined;
}

const fmt = (n: number | null | undefined, digits = 0) =>
  n === null || n === undefined || Number.isNaN(n)
    ? ''
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The table as Markdown (stdout and the README). */
export function markdownTable(rows: ResultRow[]): string {
  const head =
    '| bench | case | throughput | ratio | p50 ms | p99 ms | lost | dup | peak RSS MiB | goal |\n|---|---|---|---|---|---|---|---|---|---|';
  const lines = rows.map(
    (r) =>
      `| ${r.bench} | ${r.case} | ${fmt(r.throughput)} ${r.unit} | ${fmt(r.ratio, 2)} | ${fmt(r.p50Ms, 1)} | ${fmt(r.p99Ms, 1)} | ${fmt(r.lost)} | ${fmt(r.duplicates)} | ${fmt(r.peakRssMiB)} | ${r.goal ?? ''} |`,
  );
  return [head, ...lines].join('\n');
}

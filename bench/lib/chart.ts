import type { ResultRow } from './rows.js';

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * An SVG chart: per row, a bar for throughput relative to its same-run
 * baseline, and a bar pair for p50/p99 latency where measured.
 */
export function chartSvg(rows: ResultRow[], title: string): string {
  const rowH = 26;
  const left = 330;
  const ratioW = 260;
  const latW = 220;
  const top = 56;
  const height = top + rows.length * rowH + 30;
  const width = left + ratioW + latW + 90;
  const maxRatio = Math.max(1, ...rows.map((r) => r.ratio ?? 0));
  const maxLat = Math.max(1, ...rows.map((r) => r.p99Ms ?? 0));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="12" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="${left}" y="44" fill="#333">throughput / same-run baseline (line = 1.0)</text>`,
    `<text x="${left + ratioW + 40}" y="44" fill="#333">latency p50 / p99 (ms)</text>`,
  ];
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    parts.push(`<text x="12" y="${y + 16}">${escapeXml(`${r.bench}: ${r.case}`.slice(0, 52))}</text>`);
    if (r.ratio !== null) {
      const w = (r.ratio / maxRatio) * ratioW;
      parts.push(
        `<rect x="${left}" y="${y + 4}" width="${w.toFixed(1)}" height="16" fill="${r.ratio >= 1 ? '#5b8def' : '#f0a35e'}"/>`,
      );
      parts.push(`<text x="${left + w + 4}" y="${y + 16}">${r.ratio.toFixed(2)}</text>`);
    }
    if (r.p99Ms !== undefined) {
      const x = left + ratioW + 40;
      const w99 = (r.p99Ms / maxLat) * latW;
      const w50 = ((r.p50Ms ?? 0) / maxLat) * latW;
      parts.push(`<rect x="${x}" y="${y + 4}" width="${w99.toFixed(1)}" height="16" fill="#d9d9d9"/>`);
      parts.push(`<rect x="${x}" y="${y + 4}" width="${w50.toFixed(1)}" height="16" fill="#7fbf7f"/>`);
      parts.push(`<text x="${x + w99 + 4}" y="${y + 16}">${(r.p50Ms ?? 0).toFixed(0)} / ${r.p99Ms.toFixed(0)}</text>`);
    }
  });
  const oneX = left + (1 / maxRatio) * ratioW;
  parts.push(
    `<line x1="${oneX}" y1="${top}" x2="${oneX}" y2="${top + rows.length * rowH}" stroke="#333" stroke-dasharray="3,3"/>`,
  );
  parts.push('</svg>');
  return parts.join('\n');
}

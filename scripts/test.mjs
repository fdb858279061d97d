// The README's test command. Runs vitest, names the service suites it left
// out (their variable is unset) and ends with one line: N passed, N failed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leftOutSuites } from './service-suites.mjs';

const SERVICE_VARS = ['DATABASE_URL', 'REDIS_URL', 'AMQP_URL'];
const unset = SERVICE_VARS.filter((name) => !process.env[name]);
if (unset.length > 0) console.log(`Not set: ${unset.join(', ')}. Data suites run on embedded PGlite only.`);
const leftOut = leftOutSuites();
if (leftOut.length > 0) {
  console.log(`Left out ${leftOut.length} service suite(s):`);
  for (const { file, missing } of leftOut) console.log(`  ${file} (needs ${missing.join(', ')})`);
}

const out = join(mkdtempSync(join(tmpdir(), 'vitest-')), 'results.json');
const result = spawnSync(
  'npx',
  ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);

let summary = { numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0, numFailedTestSuites: 0 };
try {
  summary = JSON.parse(readFileSync(out, 'utf8'));
} catch {
  console.log('vitest wrote no results');
}
const skipped = summary.numPendingTests + summary.numTodoTests;
let failed = summary.numFailedTests;
if (result.status !== 0 && failed === 0) failed = summary.numFailedTestSuites || 1;
console.log(`${summary.numPassedTests} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(result.status ?? 1);

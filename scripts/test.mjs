// The README's test command. Type-checks and lints the whole tree (tests
// included), then runs vitest in two phases (every suite, then the
// fault-injection suite on its own, when its services are set), names the
// service suites it left out and ends with one line: N passed, N failed.
// A file filter on the command line runs just those suites.
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
const faultsLeftOut = leftOut.some(({ file }) => file.startsWith('scripts/faults/'));

/** One vitest run; its counts from the JSON reporter. */
function phase(name, env) {
  const out = join(mkdtempSync(join(tmpdir(), 'vitest-')), 'results.json');
  const result = spawnSync(
    'npx',
    ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...process.argv.slice(2)],
    { stdio: 'inherit', env: { ...process.env, ...env } },
  );
  let summary = { numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0, numFailedTestSuites: 0 };
  try {
    summary = JSON.parse(readFileSync(out, 'utf8'));
  } catch {
    console.log(`vitest wrote no results (${name})`);
  }
  let failed = summary.numFailedTests;
  if (result.status !== 0 && failed === 0) failed = summary.numFailedTestSuites || 1;
  return {
    passed: summary.numPassedTests,
    failed,
    skipped: summary.numPendingTests + summary.numTodoTests,
    ok: result.status === 0,
  };
}

/** A whole-tree check (type check, linter): one passed or one failed. */
function check(name, command, args) {
  console.log(`\n${name}: ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit' });
  const ok = result.status === 0;
  console.log(ok ? `${name}: ok` : `${name}: FAILED`);
  return { passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0, ok };
}

// a file filter on the command line means "just these": no whole-tree checks, no second phase
const wholeRun = process.argv.length <= 2;
const checks = wholeRun
  ? [
      check('type check', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']),
      check('lint and format', 'npx', ['biome', 'ci', '.']),
    ]
  : [];
const phases = [...checks, phase('suites', {})];
if (!faultsLeftOut && wholeRun) {
  console.log('\nFault-injection phase (scripts/faults):');
  phases.push(phase('faults', { TEST_PHASE: 'faults' }));
}
const total = phases.reduce(
  (t, p) => ({ passed: t.passed + p.passed, failed: t.failed + p.failed, skipped: t.skipped + p.skipped }),
  { passed: 0, failed: 0, skipped: 0 },
);
console.log(`${total.passed} passed, ${total.failed} failed${total.skipped > 0 ? `, ${total.skipped} skipped` : ''}`);
process.exit(phases.every((p) => p.ok) ? 0 : 1);

import { defineConfig } from 'vitest/config';
// @ts-expect-error plain ESM helper without types, shared with scripts/test.mjs
import { leftOutSuites } from './scripts/service-suites.mjs';

// Suites that need a service whose URL variable is unset are left out (see scripts/service-suites.mjs).
const leftOut = (leftOutSuites() as Array<{ file: string }>).map((s) => s.file);

// The fault-injection suite starts five process stacks at once: it runs in a phase of its own
// (TEST_PHASE=faults, see scripts/test.mjs), never beside the other suites it would starve.
const FAULTS = 'scripts/faults/**/*.test.ts';
const faultsPhase = process.env.TEST_PHASE === 'faults';

export default defineConfig({
  test: {
    include: faultsPhase ? [FAULTS] : ['{functions,shared,infra,scripts,client,tests}/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', ...leftOut, ...(faultsPhase ? [] : [FAULTS])],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // expect.poll waits until its condition holds; vitest's 1 s default failed waits that a busy 2-core machine
    // needs longer for (a status report through the queue and the batching recorder took more than 1 s in CI).
    // A poll that holds returns at once, so a longer bound only slows a test that fails anyway.
    expect: { poll: { timeout: 10_000 } },
    pool: 'forks',
    // fault files one after another: each already runs its stacks at once, and two files' stacks together
    // slow delivery past the scenarios' settle times on 2 cores
    maxWorkers: faultsPhase ? 1 : 2,
    fileParallelism: !faultsPhase,
    env: { NODE_ENV: 'test' },
  },
});

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
    include: faultsPhase ? [FAULTS] : ['{functions,shared,infra,scripts,client}/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', ...leftOut, ...(faultsPhase ? [] : [FAULTS])],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    env: { NODE_ENV: 'test' },
  },
});

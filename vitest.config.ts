import { defineConfig } from 'vitest/config';
// @ts-expect-error plain ESM helper without types, shared with scripts/test.mjs
import { leftOutSuites } from './scripts/service-suites.mjs';

// Suites that need a service whose URL variable is unset are left out (see scripts/service-suites.mjs).
const leftOut = (leftOutSuites() as Array<{ file: string }>).map((s) => s.file);

export default defineConfig({
  test: {
    include: ['{functions,shared,infra,scripts,client}/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', ...leftOut],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    env: { NODE_ENV: 'test' },
  },
});

// Which test files need a real service. A suite says so on a line of its own:
//   // @requires REDIS_URL
// Shared by vitest.config.ts (to leave such suites out when the variable is
// unset) and scripts/test.mjs (to say which were left out and why).
import { readdirSync, readFileSync } from 'node:fs';

const ROOTS = ['functions', 'shared', 'infra', 'scripts', 'client', 'tests'];

export function testFiles() {
  return ROOTS.flatMap((root) => {
    try {
      return readdirSync(root, { recursive: true })
        .map((f) => `${root}/${f}`)
        .filter((f) => f.endsWith('.test.ts') && !f.includes('node_modules'));
    } catch {
      return [];
    }
  });
}

/** Files whose required variables are not all set, with the missing names. */
export function leftOutSuites(env = process.env) {
  return testFiles().flatMap((file) => {
    const needs = [...readFileSync(file, 'utf8').matchAll(/^\/\/ @requires ([A-Z_ ,]+)$/gm)].flatMap((m) =>
      m[1].split(/[ ,]+/).filter(Boolean),
    );
    const missing = needs.filter((name) => !env[name]);
    return missing.length > 0 ? [{ file, missing }] : [];
  });
}

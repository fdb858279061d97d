import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allFunctions } from '../../functions/registry.js';
import { STACK_FUNCTIONS } from '../../scripts/stack/stack-runner.js';
import { FUNCTION_NAMES } from '../runtime/function-names.js';
import { CHANNELS } from './channels.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SOURCE_DIRS = ['functions', 'shared', 'scripts', 'infra', 'client', 'bench'];

/** Every source file (tests left out: their expected values are not definitions). */
function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (entry === 'node_modules' || entry === 'dist') continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|mjs|js)$/.test(entry) && !/\.test\.ts$/.test(entry)) files.push(path);
    }
  };
  for (const dir of SOURCE_DIRS) walk(join(ROOT, dir));
  return files;
}

const WORD = `['"][a-z_]+['"]`;
/** A literal list of words: an array, an SQL `in (...)`, a union type. */
const LIST = new RegExp(
  [
    `\\[\\s*${WORD}(?:\\s*,\\s*${WORD})*\\s*,?\\s*\\]`,
    `\\(\\s*${WORD}(?:\\s*,\\s*${WORD})+\\s*\\)`,
    `${WORD}(?:\\s*\\|\\s*${WORD})+`,
  ].join('|'),
  'g',
);
const WORD_COMPARISONS = /(?:===?|!==?)\s*'([a-z_]+)'/g;

/**
 * Files that write out the set `names` by hand: a literal list of exactly
 * those words (array, union type, SQL `in (...)`), or comparisons with each
 * of them on one line (`x === 'a' || x === 'b'`).
 */
function filesListing(names: readonly string[]): string[] {
  const wanted = [...names].sort().join();
  const words = (text: string) => [...new Set([...text.matchAll(/['"]([a-z_]+)['"]/g)].map((m) => m[1]!))].sort().join();
  return sourceFiles()
    .filter((file) => {
      const text = readFileSync(file, 'utf8');
      if ([...text.matchAll(LIST)].some(([m]) => words(m) === wanted)) return true;
      return text.split('\n').some((line) => {
        const compared = new Set([...line.matchAll(WORD_COMPARISONS)].map((m) => m[1]!));
        return names.every((n) => compared.has(n));
      });
    })
    .map((file) => relative(ROOT, file));
}

describe('enumerations have one definition each', () => {
  it('the channel list is written out once, in shared/schemas/channels.ts', () => {
    expect(filesListing(CHANNELS)).toEqual(['shared/schemas/channels.ts']);
  });

  it('the function names are written out once, in shared/runtime/function-names.ts, and every runtime covers them', () => {
    expect(filesListing(FUNCTION_NAMES)).toEqual(['shared/runtime/function-names.ts']);
    expect(allFunctions.map((f) => f.name).sort()).toEqual([...FUNCTION_NAMES].sort());
    expect([...STACK_FUNCTIONS].sort()).toEqual([...FUNCTION_NAMES].sort());
    const folders = readdirSync(join(ROOT, 'functions')).filter((name) => {
      try {
        return statSync(join(ROOT, 'functions', name, 'function.ts')).isFile();
      } catch {
        return false;
      }
    });
    expect(folders.sort()).toEqual([...FUNCTION_NAMES].sort());
  });
});

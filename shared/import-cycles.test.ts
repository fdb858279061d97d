import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOTS = ['functions', 'shared', 'client', 'scripts', 'infra', 'bench'];

/** Every TypeScript source file of the tree (tests included). */
function sourceFiles(): string[] {
  return ROOTS.flatMap((root) =>
    readdirSync(root, { recursive: true })
      .map((f) => join(root, String(f)))
      .filter((f) => f.endsWith('.ts') && !f.includes('node_modules')),
  );
}

/** Relative imports of a file, type-only ones included, as repository paths. */
function importsOf(file: string, known: Set<string>): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"](\.[^'"]+)['"]/g)].map((m) => m[1]!);
  return specifiers.map((s) => normalize(join(dirname(file), s)).replace(/\.js$/, '.ts')).filter((target) => known.has(target));
}

/** The cycles of the import graph, each as the files around it (one per strongly connected group). */
function findCycles(): string[][] {
  const files = sourceFiles();
  const known = new Set(files);
  const graph = new Map(files.map((f) => [f, importsOf(f, known)]));
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return cycles;
}

describe('imports', () => {
  it('have no cycles, not even type-only ones', () => {
    expect(findCycles().map((cycle) => cycle.join(' -> '))).toEqual([]);
  });
});

import { readFileSync } from 'node:fs';

/**
 * Just enough of a Dockerfile parser for the infra tests to run a stage the
 * way Docker would: stages, instructions (continuations joined, comments
 * dropped), exec-form arguments, ARG/ENV substitution.
 */

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  name: string | undefined;
  from: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Record<string, string | undefined>;
  stages: Stage[];
}

function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (current === '' && /^\s*#/.test(line)) continue;
    if (current !== '' && /^\s*#/.test(line)) continue; // comments inside a continuation
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    current += line;
    if (current.trim() !== '') lines.push(current.trim());
    current = '';
  }
  if (current.trim() !== '') lines.push(current.trim());
  return lines;
}

function argDeclaration(args: string): [string, string | undefined] {
  const at = args.indexOf('=');
  return at === -1 ? [args.trim(), undefined] : [args.slice(0, at).trim(), args.slice(at + 1).trim()];
}

export function parseDockerfile(text: string): Dockerfile {
  const globalArgs: Record<string, string | undefined> = {};
  const stages: Stage[] = [];
  for (const line of logicalLines(text)) {
    const match = /^(\S+)\s*(.*)$/.exec(line)!;
    const keyword = match[1]!.toUpperCase();
    const args = match[2]!;
    if (keyword === 'FROM') {
      const from = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args)!;
      stages.push({ from: substitute(from[1]!, globalArgs), name: from[2], instructions: [] });
    } else if (stages.length === 0) {
      if (keyword === 'ARG') {
        const [name, value] = argDeclaration(args);
        globalArgs[name] = value;
      }
    } else {
      stages.at(-1)!.instructions.push({ keyword, args });
    }
  }
  return { globalArgs, stages };
}

export function readDockerfile(path: string): Dockerfile {
  return parseDockerfile(readFileSync(path, 'utf8'));
}

export function stageNamed(file: Dockerfile, name: string): Stage {
  const stage = file.stages.find((s) => s.name === name);
  if (!stage) throw new Error(`no stage named ${name}`);
  return stage;
}

/** `$VAR` / `${VAR}` / `${VAR:-default}` as Docker substitutes them in ENV, EXPOSE, COPY... */
export function substitute(value: string, vars: Record<string, string | undefined>): string {
  return value.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_m, braced, op, arg, bare) => {
      const current = vars[(braced ?? bare) as string];
      if (op === '-') return current ? current : (arg as string);
      if (op === '+') return current ? (arg as string) : '';
      return current ?? '';
    },
  );
}

/** Exec form (`["a", "b"]`) as an argv array; shell form as `/bin/sh -c <line>`. */
export function argvOf(args: string): string[] {
  const trimmed = args.trim();
  if (trimmed.startsWith('[')) {
    const parsed: unknown = JSON.parse(trimmed);
    if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) throw new Error(`bad exec form: ${args}`);
    return parsed;
  }
  return ['/bin/sh', '-c', trimmed];
}

function envPairs(args: string): Array<[string, string]> {
  // `ENV a=1 b=2` (no quoting used in our Dockerfile) or the legacy `ENV a 1`
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
    const [name, ...rest] = args.split(/\s+/);
    return [[name!, rest.join(' ')]];
  }
  return args
    .split(/\s+/)
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf('=');
      return [pair.slice(0, at), pair.slice(at + 1)] as [string, string];
    });
}

/**
 * The ARG values and ENV of a stage as a container of it would see them,
 * given the build arguments (compose `build.args`).
 */
export function stageVariables(
  file: Dockerfile,
  stage: Stage,
  buildArgs: Record<string, string>,
): { args: Record<string, string | undefined>; env: Record<string, string> } {
  const args: Record<string, string | undefined> = {};
  const env: Record<string, string> = {};
  for (const { keyword, args: text } of stage.instructions) {
    if (keyword === 'ARG') {
      const [name, value] = argDeclaration(text);
      args[name] = buildArgs[name] ?? value ?? file.globalArgs[name];
    } else if (keyword === 'ENV') {
      for (const [name, value] of envPairs(text)) env[name] = substitute(value, { ...args, ...env });
    }
  }
  return { args, env };
}

/** The last CMD of a stage, as argv. */
export function cmdOf(stage: Stage): string[] {
  const cmd = stage.instructions.filter((i) => i.keyword === 'CMD').at(-1);
  if (!cmd) throw new Error(`stage ${stage.name ?? stage.from} has no CMD`);
  return argvOf(cmd.args);
}

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { copyBuildContext } from './build-context.js';
import { type Dockerfile, type Stage, stageVariables, substitute } from './dockerfile.js';

/**
 * Replays the stages of infra/docker/Dockerfile on this machine, without a
 * Docker engine: each stage gets a directory standing for its WORKDIR, COPY
 * copies (from the build context or another stage), and RUN steps are run or,
 * for the few that need root or the network, done their local equivalent.
 * A RUN step the replay does not know fails loudly, so the Dockerfile and
 * this proof cannot drift apart silently.
 */

export interface ReplayOptions {
  /** Repository root: the build context and the installed node_modules. */
  repo: string;
  dockerfile: Dockerfile;
  /** Where stage directories are made. */
  workDir: string;
  buildArgs: Record<string, string>;
}

export interface ReplayedStage {
  dir: string;
  workdir: string;
  env: Record<string, string>;
}

/** `npm ci --omit=dev`, offline: link only the lockfile's non-dev top-level packages from the installed tree. */
function linkProductionDependencies(repo: string, dir: string): string[] {
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  const linked: string[] = [];
  for (const [key, meta] of Object.entries(lock.packages)) {
    if (!key.startsWith('node_modules/') || key.indexOf('/node_modules/', 1) !== -1 || meta.dev) continue;
    const source = join(repo, key);
    if (!existsSync(source)) continue; // an optional package for another platform
    mkdirSync(dirname(join(dir, key)), { recursive: true });
    symlinkSync(source, join(dir, key), 'dir');
    linked.push(key.slice('node_modules/'.length));
  }
  return linked;
}

function runStep(step: string, stage: ReplayedStage, repo: string, args: Record<string, string | undefined>): void {
  const inStage = (path: string) => join(stage.dir, posix.relative(stage.workdir, posix.resolve(stage.workdir, path)));
  if (/^npm ci$/.test(step)) {
    // the build stage's full install is the one this repository already has
    symlinkSync(join(repo, 'node_modules'), join(stage.dir, 'node_modules'), 'dir');
  } else if (/^npm ci --omit=dev$/.test(step)) {
    linkProductionDependencies(repo, stage.dir);
  } else if (/^npm run [\w:-]+$/.test(step)) {
    const result = spawnSync('sh', ['-c', step], { cwd: stage.dir, encoding: 'utf8', env: { ...process.env, ...stage.env } });
    if (result.status !== 0) throw new Error(`RUN ${step} failed:\n${result.stdout}\n${result.stderr}`);
  } else if (/^npm cache clean --force$/.test(step) || /^chown /.test(step)) {
    // nothing to clean here; ownership needs root and is asserted on the Dockerfile instead
  } else if (/^mkdir -p \S+$/.test(step)) {
    mkdirSync(inStage(step.slice('mkdir -p '.length)), { recursive: true });
  } else if (/^test /.test(step)) {
    const env = Object.fromEntries(Object.entries(args).filter((e): e is [string, string] => e[1] !== undefined));
    const result = spawnSync('sh', ['-c', step], { env: { PATH: process.env.PATH, ...env } });
    if (result.status !== 0) throw new Error(`RUN ${step} failed (the image build would stop here)`);
  } else {
    throw new Error(`image replay does not know the RUN step "${step}": teach infra/docker/image-replay.ts`);
  }
}

function copy(instructionArgs: string, stage: ReplayedStage, options: ReplayOptions, stages: Map<string, ReplayedStage>): void {
  const parts = instructionArgs.split(/\s+/);
  const flags = parts.filter((p) => p.startsWith('--'));
  const paths = parts.filter((p) => !p.startsWith('--'));
  const dest = paths.pop()!;
  const fromFlag = flags.find((f) => f.startsWith('--from='));
  const destPath = join(stage.dir, posix.relative(stage.workdir, posix.resolve(stage.workdir, dest)));
  for (const source of paths) {
    if (fromFlag) {
      const from = stages.get(fromFlag.slice('--from='.length));
      if (!from) throw new Error(`COPY ${fromFlag}: no such stage replayed`);
      cpSync(join(from.dir, posix.relative(from.workdir, source)), destPath, { recursive: true, dereference: false });
    } else if (source === '.') {
      copyBuildContext(options.repo, destPath);
    } else {
      mkdirSync(dest.endsWith('/') ? destPath : dirname(destPath), { recursive: true });
      cpSync(join(options.repo, source), dest.endsWith('/') ? join(destPath, posix.basename(source)) : destPath);
    }
  }
}

/**
 * Replay stages up to and including `target`; returns every replayed stage
 * by name. Stages already in `done` (say, a build stage shared by several
 * runtime images) are reused, not replayed again.
 */
export function replayStages(
  options: ReplayOptions,
  target: string,
  done: ReadonlyMap<string, ReplayedStage> = new Map(),
): Map<string, ReplayedStage> {
  const stages = new Map(done);
  for (const [index, stage] of options.dockerfile.stages.entries()) {
    const name = stage.name ?? String(index);
    if (!stages.has(name)) stages.set(name, replayStage(stage, name, options, stages));
    if (name === target) return stages;
  }
  throw new Error(`no stage named ${target}`);
}

function replayStage(stage: Stage, name: string, options: ReplayOptions, stages: Map<string, ReplayedStage>): ReplayedStage {
  const replayed: ReplayedStage = { dir: join(options.workDir, name), workdir: '/', env: {} };
  mkdirSync(replayed.dir, { recursive: true });
  const seen: Stage = { ...stage, instructions: [] };
  for (const instruction of stage.instructions) {
    seen.instructions.push(instruction);
    const { args, env } = stageVariables(options.dockerfile, seen, options.buildArgs);
    replayed.env = env;
    const text = substitute(instruction.args, { ...args, ...env });
    switch (instruction.keyword) {
      case 'WORKDIR':
        replayed.workdir = posix.resolve(replayed.workdir, text);
        break;
      case 'COPY':
        copy(text, replayed, options, stages);
        break;
      case 'RUN':
        for (const step of instruction.args.split('&&').map((s) => s.trim())) runStep(step, replayed, options.repo, args);
        break;
      default:
        // ARG, ENV (folded into env above), USER, EXPOSE, HEALTHCHECK, CMD: metadata, no files
        break;
    }
  }
  return replayed;
}

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isIgnored, parseDockerignore } from './build-context.js';
import { argvOf, cmdOf, readDockerfile, stageNamed, stageVariables } from './dockerfile.js';

const dockerfile = readDockerfile('infra/docker/Dockerfile');
const build = stageNamed(dockerfile, 'build');
const runtime = stageNamed(dockerfile, 'runtime');
const steps = (keyword: string, stage = runtime) => stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

describe('infra/docker/Dockerfile', () => {
  it('builds on node:20-alpine in two stages: compile, then run', () => {
    expect(dockerfile.stages.map((s) => [s.name, s.from])).toEqual([
      ['build', 'node:20-alpine'],
      ['runtime', 'node:20-alpine'],
    ]);
    expect(steps('RUN', build)).toEqual(['npm ci', 'npm run build']);
  });

  it('keeps only production dependencies and the compiled dist in the runtime stage', () => {
    expect(steps('RUN').some((step) => step.startsWith('npm ci --omit=dev'))).toBe(true);
    // the postinstall script that patches pinned dependencies must be there before `npm ci`
    expect(steps('COPY')).toEqual([
      'package.json package-lock.json ./',
      'scripts/patch-dependencies.mjs ./scripts/',
      '--from=build /app/dist ./dist',
    ]);
  });

  it('runs as the unprivileged node user', () => {
    expect(steps('USER')).toEqual(['node']);
    const userAt = runtime.instructions.findIndex((i) => i.keyword === 'USER');
    const lastRunAt = runtime.instructions.map((i) => i.keyword).lastIndexOf('RUN');
    expect(userAt).toBeGreaterThan(lastRunAt);
  });

  it('exposes the container port, sets PORT and FUNCTION from the build arguments', () => {
    const { env } = stageVariables(dockerfile, runtime, { FUNCTION: 'user', PORT: '8081' });
    expect(env).toMatchObject({
      FUNCTION: 'user',
      PORT: '8081',
      NODE_ENV: 'production',
      DATA_DIR: '/app/.data',
      HOST: '0.0.0.0',
    });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the Dockerfile's own ${PORT}, not a template literal
    expect(steps('EXPOSE')).toEqual(['${PORT}']);
  });

  it('health-checks /health on PORT with node itself (no curl or wget in the image)', () => {
    const [healthcheck] = steps('HEALTHCHECK');
    const argv = argvOf(healthcheck!.slice(healthcheck!.indexOf('CMD') + 3));
    expect(argv.slice(0, 2)).toEqual(['node', '-e']);
    expect(argv[2]).toContain("'http://127.0.0.1:'+process.env.PORT+'/health'");
  });

  it('starts node on dist/functions/$FUNCTION/main.js as PID 1 (exec), so SIGTERM reaches the function', () => {
    expect(cmdOf(runtime)).toEqual([
      'sh',
      '-c',
      'if [ -r /run/platform-secrets/platform.env ]; then set -a; . /run/platform-secrets/platform.env; set +a; fi; exec node dist/functions/$FUNCTION/main.js',
    ]);
  });
});

describe('.dockerignore', () => {
  const rules = parseDockerignore(readFileSync('.dockerignore', 'utf8'));

  it('keeps out what the image must not carry or the build must not see', () => {
    for (const path of [
      'node_modules/hono/package.json',
      'functions/user/node_modules/x',
      '.git/HEAD',
      'dist/x.js',
      '.env',
      'infra/aws/app.ts',
      'shared/config.test.ts',
      'shared/test-support/x.ts',
    ]) {
      expect(isIgnored(rules, path), path).toBe(true);
    }
  });

  it('sends what `npm ci` and `npm run build` need', () => {
    for (const path of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'scripts/copy-assets.mjs',
      'shared/config.ts',
      'functions/user/main.ts',
      'functions/user/migrations/0000_init.sql',
    ]) {
      expect(isIgnored(rules, path), path).toBe(false);
    }
  });
});

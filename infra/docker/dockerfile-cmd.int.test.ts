// @requires DATABASE_URL REDIS_URL AMQP_URL
// Builds the project as infra/docker/Dockerfile does (its stages replayed on
// this machine, .dockerignore applied) and starts every function exactly as
// the runtime stage's CMD says, with docker-compose.yml's environment for that
// service pointed at the local Postgres, Redis, RabbitMQ and an SMTP sink.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import webpush from 'web-push';
import { buildArgsOf, type ComposeFile, commandOf, environmentOf, functionOf, readCompose, startOrder } from './compose-file.js';
import { EXTERNAL_URL_VARIABLES, findWiringProblems, imageName } from './compose-wiring.js';
import { cmdOf, readDockerfile, stageNamed } from './dockerfile.js';
import { type ReplayedStage, replayStages } from './image-replay.js';
import { freePort, type SmtpSink, startSmtpSink } from './smtp-sink.js';

const REPO = resolve('.');
const LOCAL = { database: process.env.DATABASE_URL!, redis: process.env.REDIS_URL!, amqp: process.env.AMQP_URL! };

// web-push pads the private key to 32 bytes; ECDH's getPrivateKey drops a leading zero byte (1 key in 256)
const vapid = webpush.generateVAPIDKeys();
/** What secrets-init writes into platform.env (the URLs are the local services here), and a Web Push identity from `.env`. */
const SECRETS = {
  ADMIN_API_KEY: randomBytes(24).toString('base64url'),
  JWT_SECRET: randomBytes(32).toString('base64url'),
  INTERNAL_SECRET: randomBytes(32).toString('base64url'),
};
const COMPOSE_VARS = {
  VAPID_PUBLIC_KEY: vapid.publicKey,
  VAPID_PRIVATE_KEY: vapid.privateKey,
};

const compose: ComposeFile = readCompose(join(REPO, 'docker-compose.yml'), COMPOSE_VARS);
const dockerfile = readDockerfile(join(REPO, 'infra/docker/Dockerfile'));
const runtime = stageNamed(dockerfile, 'runtime');
const order = startOrder(compose).filter((name) => functionOf(compose.services[name]!) !== undefined);
const functionServices = order.filter((name) => compose.services[name]!.command === undefined);

const workDir = mkdtempSync(join(tmpdir(), 'dockerfile-cmd-'));
const databaseName = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
const ports = new Map<string, number>();
const running = new Map<string, { child: ChildProcess; exited: Promise<number | null>; output: string[] }>();
let built: ReadonlyMap<string, ReplayedStage> = new Map();
let smtp: SmtpSink;

/** compose's environment for a service, its infrastructure hosts rewritten to the local services. */
function localEnvironment(service: string): Record<string, string> {
  const env = environmentOf(compose.services[service]!);
  const rewritten: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || EXTERNAL_URL_VARIABLES.has(name)) {
      rewritten[name] = value;
      continue;
    }
    const url = new URL(value);
    const target = compose.services[url.hostname]!;
    const image = imageName(target.image);
    if (functionOf(target)) {
      rewritten[name] = `http://127.0.0.1:${ports.get(url.hostname)}${url.pathname === '/' ? '' : url.pathname}`;
    } else if (image === 'postgres') {
      const local = new URL(LOCAL.database);
      local.pathname = `/${databaseName}`;
      rewritten[name] = local.toString();
    } else if (image === 'redis') rewritten[name] = LOCAL.redis;
    else if (image === 'rabbitmq') rewritten[name] = LOCAL.amqp;
    else throw new Error(`${service}: no local stand-in for ${name}=${value}`);
  }
  if (env.SMTP_HOST) {
    rewritten.SMTP_HOST = '127.0.0.1';
    rewritten.SMTP_PORT = String(smtp.port);
  }
  if (ports.has(service)) rewritten.PORT = String(ports.get(service));
  return rewritten;
}

const images = new Map<string, ReplayedStage>();

/** The runtime image of a service: replayed runtime stage with that service's build arguments (once per service). */
function imageOf(service: string): ReplayedStage {
  const cached = images.get(service);
  if (cached) return cached;
  const stages = replayStages(
    { repo: REPO, dockerfile, workDir: join(workDir, service), buildArgs: buildArgsOf(compose.services[service]!) },
    'runtime',
    built,
  );
  images.set(service, stages.get('runtime')!);
  return stages.get('runtime')!;
}

function start(service: string, argv: string[]): { child: ChildProcess; exited: Promise<number | null>; output: string[] } {
  const image = imageOf(service);
  const env = {
    PATH: process.env.PATH!,
    ...image.env,
    ...localEnvironment(service),
    ...SECRETS,
    DATA_DIR: join(workDir, service, 'data'),
  };
  const child = spawn(argv[0]!, argv.slice(1), { cwd: image.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, exited, output };
}

beforeAll(async () => {
  expect(findWiringProblems(compose), 'docker-compose.yml wiring (see compose-wiring.test.ts)').toEqual([]);
  const admin = postgres(LOCAL.database, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${databaseName}`);
  await admin.end();
  smtp = await startSmtpSink();
  for (const service of functionServices) ports.set(service, await freePort());
  // the build stage once (npm run build into a copy of the build context), shared by every runtime image
  built = replayStages({ repo: REPO, dockerfile, workDir: join(workDir, 'shared'), buildArgs: {} }, 'build');
}, 240_000);

afterAll(async () => {
  for (const { child } of running.values()) if (child.exitCode === null) child.kill('SIGKILL');
  await smtp?.close();
  const admin = postgres(LOCAL.database, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${databaseName} with (force)`);
  await admin.end();
  rmSync(workDir, { recursive: true, force: true });
}, 60_000);

describe('the Dockerfile CMD, with compose environment, against local services', () => {
  it('builds the image contents: dist with every function entry, migrations beside them, production dependencies only', () => {
    const dir = imageOf('api-gateway').dir;
    expect(existsSync(join(dir, 'dist/scripts/db-migrate.js'))).toBe(true);
    expect(existsSync(join(dir, 'dist/functions/user/migrations'))).toBe(true);
    expect(existsSync(join(dir, 'dist/shared/delivery/migrations')), 'the delivery ledger table of the workers').toBe(true);
    expect(existsSync(join(dir, 'dist/functions/gateway/admin/dashboard/index.html')), 'the dashboard page rides along').toBe(
      true,
    );
    expect(existsSync(join(dir, 'node_modules/hono'))).toBe(true);
    expect(existsSync(join(dir, 'node_modules/vitest')), 'dev dependencies stay out of the image').toBe(false);
    expect(existsSync(join(dir, 'dist/infra')), '.dockerignore keeps infra/ out of the build').toBe(false);
  });

  it('runs db-migrate exactly as compose says (its command, its environment) and it exits 0', async () => {
    const job = 'db-migrate';
    const argv = commandOf(compose.services[job]!)!;
    const proc = start(job, argv);
    const code = await proc.exited;
    expect(code, proc.output.join('\n')).toBe(0);
  }, 60_000);

  for (const service of functionServices) {
    const fn = functionOf(compose.services[service]!)!;
    const written = existsSync(join(REPO, `functions/${fn}/main.ts`));
    it.skipIf(!written)(
      `${service}: CMD ${JSON.stringify(cmdOf(runtime))} answers /health/ready 200`,
      async () => {
        const proc = start(service, cmdOf(runtime));
        running.set(service, proc);
        const url = `http://127.0.0.1:${ports.get(service)}/health/ready`;
        const ready = vi.waitFor(
          async () => {
            const res = await fetch(url);
            expect(res.status, await res.text()).toBe(200);
          },
          { timeout: 30_000, interval: 250 },
        );
        const died = proc.exited.then((code) => {
          throw new Error(`${service} exited with ${code} before it was ready:\n${proc.output.join('\n')}`);
        });
        try {
          await Promise.race([ready, died]);
        } catch (err) {
          throw new Error(`${String(err)}\n--- ${service} output ---\n${proc.output.join('\n')}`);
        }
        const health = await fetch(`http://127.0.0.1:${ports.get(service)}/health`);
        expect(health.status).toBe(200);
      },
      45_000,
    );
  }

  it('api-gateway serves /dashboard, /docs and /metrics, and the dashboard API takes the ADMIN_API_KEY', async () => {
    const base = `http://127.0.0.1:${ports.get('api-gateway')}`;
    const page = await fetch(`${base}/dashboard`);
    const script = await fetch(`${base}/dashboard/dashboard.js`);
    const docs = await fetch(`${base}/docs`);
    const metrics = await fetch(`${base}/metrics`);
    const overview = await fetch(`${base}/api/v1/admin/overview`, {
      headers: { authorization: `Bearer ${SECRETS.ADMIN_API_KEY}` },
    });

    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/dashboard/dashboard.js');
    expect(script.status).toBe(200);
    expect(docs.status).toBe(200);
    expect(await metrics.text()).toContain('http_request_duration_seconds');
    expect(overview.status, await overview.clone().text()).toBe(200);
    expect(((await overview.json()) as { data: { queue: { dead_letter_depth: number } } }).data.queue.dead_letter_depth).toEqual(
      expect.any(Number),
    );
  });

  it('stops every function cleanly on SIGTERM (exit code 0), dependants first', async () => {
    for (const service of [...running.keys()].reverse()) {
      const proc = running.get(service)!;
      if (proc.child.exitCode !== null) throw new Error(`${service} had already exited:\n${proc.output.join('\n')}`);
      proc.child.kill('SIGTERM');
      const code = await Promise.race([proc.exited, new Promise((r) => setTimeout(() => r('timeout'), 10_000))]);
      expect(code, `${service}:\n${proc.output.join('\n')}`).toBe(0);
    }
  }, 60_000);
});

// @requires DATABASE_URL REDIS_URL
// Two gateway processes on one Postgres database and one Redis: this test's process (user, template and
// gateway A, in-process) and a child process running gateway B alone (functions/gateway/main.ts). Each has
// its own in-memory queue, so an item is delivered by whichever relay takes its outbox row: a stream open on
// each replica must receive it, so at least one receives it from the other replica, over Redis pub/sub.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { processEnv } from '../../../shared/config.js';
import { closeServer } from '../../../shared/runtime/serve.js';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { seedInboxTemplate, sendInApp } from '../test-support/inbox-kit.js';
import { openPlatform, type PlatformKit } from '../test-support/platform-kit.js';
import { readSse } from '../test-support/sse-reader.js';

const env = processEnv();
const postgres = testDatabases(env).find((t) => t.kind === 'postgres')!;

/** Serve one in-process function on a port of its own, for the child gateway to call. */
function serveFetcher(fetcher: (request: Request) => Promise<Response>): Promise<{ server: ServerType; url: string }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: (request) => fetcher(request), port: 0, hostname: '127.0.0.1' }, (info) =>
      resolve({ server, url: `http://127.0.0.1:${info.port}` }),
    );
  });
}

describe('inbox streams across gateway replicas (Redis pub/sub)', () => {
  let kit: PlatformKit;
  let databaseUrl: string;
  const servers: ServerType[] = [];
  let child: ChildProcess | undefined;
  let replicaB: string;
  const childLog: string[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'inbox-replica-'));

  beforeAll(async () => {
    // the platform kit opens its own fresh database; the child needs its URL, so the kit is given a target that keeps it
    kit = await openPlatform(
      {
        kind: 'postgres',
        open: async (migrations) => {
          const database = await postgres.open(migrations);
          databaseUrl = database.url!;
          return database;
        },
      },
      { env: { REDIS_URL: env.REDIS_URL! } },
    );
    await seedInboxTemplate(kit);
    const user = await serveFetcher(kit.peers.fetcher('user'));
    const template = await serveFetcher(kit.peers.fetcher('template'));
    servers.push(user.server, template.server);

    // gateway B binds a port of its own (PORT=0) and names it in its "listening" line
    child = spawn(process.execPath, ['--import', 'tsx', 'functions/gateway/main.ts'], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        PORT: '0',
        DATA_DIR: dataDir,
        DATABASE_URL: databaseUrl,
        REDIS_URL: env.REDIS_URL,
        QUEUE_DRIVER: 'memory',
        USER_SERVICE_URL: user.url,
        TEMPLATE_SERVICE_URL: template.url,
        // the gateway forwards the workers' public routes; this test calls none of them
        EMAIL_SERVICE_URL: 'http://127.0.0.1:9',
        PUSH_SERVICE_URL: 'http://127.0.0.1:9',
        // one deployment: the replicas share its secrets (tokens, service credentials to the user function)
        JWT_SECRET: kit.infra.jwtSecret,
        INTERNAL_SECRET: kit.infra.internalSecret,
        ADMIN_API_KEY: randomBytes(24).toString('base64url'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk) => childLog.push(String(chunk)));
    child.stderr!.on('data', (chunk) => childLog.push(String(chunk)));
    await vi.waitFor(
      async () => {
        if (child!.exitCode !== null) throw new Error(`gateway B exited: ${childLog.join('')}`);
        const listening = /"port":(\d+)[^\n]*gateway listening/.exec(childLog.join(''));
        if (!listening) throw new Error('gateway B not listening yet');
        replicaB = `http://127.0.0.1:${listening[1]}`;
        const res = await fetch(`${replicaB}/health/ready`);
        if (res.status !== 200) throw new Error(`gateway B not ready: ${res.status}`);
      },
      { timeout: 60_000, interval: 200 },
    );
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    for (const server of servers) await closeServer(server);
    await kit?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a stream open on either replica receives an item delivered through the other', async () => {
    const ada = await kit.createUser();
    const onA = await kit.gateway.app.request('/api/v1/inbox/stream', { headers: { authorization: `Bearer ${ada.token}` } });
    const onB = await fetch(`${replicaB}/api/v1/inbox/stream`, { headers: { authorization: `Bearer ${ada.token}` } });
    expect(onB.status, childLog.join('')).toBe(200);
    const streamA = readSse(onA.body!);
    const streamB = readSse(onB.body!);
    try {
      // each stream has subscribed once it sent its first counts
      await streamA.nextOf('count');
      await streamB.nextOf('count');

      for (const order of ['X-1', 'X-2', 'X-3']) {
        const id = await sendInApp(kit, ada.id, order);
        expect(JSON.parse((await streamA.nextOf('notification')).data).id).toBe(id);
        expect(JSON.parse((await streamB.nextOf('notification')).data).id).toBe(id);
      }
    } finally {
      await streamA.close();
      await streamB.close();
    }
  });
});

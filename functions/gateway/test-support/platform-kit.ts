import { randomBytes, randomUUID } from 'node:crypto';
import type { Cache } from '../../../shared/cache/cache.js';
import { createUrlFetcher, type Fetcher } from '../../../shared/clients/fetcher.js';
import type { Env } from '../../../shared/config.js';
import type { Queue } from '../../../shared/queue/queue.js';
import type { Infra, Peers, RunningFunction } from '../../../shared/runtime/function-module.js';
import type { TestDatabase } from '../../../shared/test-support/test-databases.js';
import { createTestInfra } from '../../../shared/test-support/test-infra.js';
import { allMigrations } from '../../migrations.js';
import { templateFunction } from '../../template/function.js';
import { userFunction } from '../../user/function.js';
import { gatewayFunction } from '../function.js';

export interface PlatformKit {
  infra: Infra & { logLines: string[] };
  adminKey: string;
  /** A fresh API key with scope `send`. */
  sendKey: string;
  request(
    method: string,
    path: string,
    options?: { body?: unknown; auth?: string | null; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  createUser(overrides?: Record<string, unknown>): Promise<{ id: string; email: string; token: string }>;
  gateway: RunningFunction;
  /** Every function of the kit, for suites that serve each on its own port. */
  functions: ReadonlyMap<'gateway' | 'user' | 'template', RunningFunction>;
  /** How the kit's functions reach each other (in-process), for a function a suite adds (e.g. email). */
  peers: Peers;
  /** Make a function a suite created on `infra` and `peers` (email, push) reachable through the gateway and `peers`. */
  add(name: 'email' | 'push', fn: RunningFunction): void;
  /** Make a function unreachable (its calls go to a port nothing listens on), or bring it back. */
  setDown(name: 'user' | 'template', down: boolean): void;
  close(): Promise<void>;
}

export interface PlatformOptions {
  env?: Env;
  queue?: Queue;
  /** The cache every function shares (the memory cache when absent). */
  cache?: Cache;
}

const NOTHING_LISTENS = createUrlFetcher('http://127.0.0.1:9/', 1000);

/**
 * The user, template and gateway functions wired as `npm start` wires them
 * (in-process fetchers), on one real database (every migration, the workers'
 * delivery ledger included), with starter templates seeded through the
 * template API. Email and push are absent (their routes answer 503) unless a
 * suite creates them on `infra` and `peers`.
 */
export async function openPlatform(target: TestDatabase, options: PlatformOptions = {}): Promise<PlatformKit> {
  const database = await target.open(allMigrations);
  const adminKey = `admin-${randomBytes(16).toString('hex')}`;
  const infra = createTestInfra({
    database,
    env: { ADMIN_API_KEY: adminKey, ...options.env },
    ...(options.queue && { queue: options.queue }),
    ...(options.cache && { cache: options.cache }),
  });
  const running = new Map<string, RunningFunction>();
  const down = new Set<string>();
  const inProcess =
    (name: string): Fetcher =>
    async (request) => {
      if (down.has(name)) return NOTHING_LISTENS(request);
      const fn = running.get(name);
      if (!fn) throw new Error(`${name} is not running in this test`);
      return fn.app.fetch(request);
    };
  const peers: Peers = {
    fetcher: (name) => inProcess(name),
  };
  running.set('user', await userFunction.create(infra, peers));
  running.set('template', await templateFunction.create(infra, peers));
  const gateway = await gatewayFunction.create(infra, peers);
  running.set('gateway', gateway);
  await gateway.start?.();

  const request: PlatformKit['request'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    const auth = opts.auth === undefined ? adminKey : opts.auth;
    if (auth) headers.authorization = `Bearer ${auth}`;
    if (opts.body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await gateway.app.request(path, {
      method,
      headers,
      ...(opts.body !== undefined && { body: JSON.stringify(opts.body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  };

  const seeded = await request('POST', '/api/v1/templates', {
    body: {
      template_code: 'kit_welcome',
      channel: 'email',
      category: 'onboarding',
      default_language: 'en',
      content: { subject: 'Hi {{name}}', html: '<p>Hello {{name}}, <a href="{{link}}">start</a></p>' },
      variables: [
        { name: 'name', required: true },
        { name: 'link', required: false },
      ],
    },
  });
  if (seeded.status !== 201) throw new Error(`template seed failed: ${JSON.stringify(seeded.body)}`);
  const pushSeed = await request('POST', '/api/v1/templates', {
    body: {
      template_code: 'kit_welcome',
      channel: 'push',
      category: 'onboarding',
      default_language: 'en',
      content: { title: 'Hi {{name}}', body: 'Welcome' },
      variables: [{ name: 'name', required: true }],
    },
  });
  if (pushSeed.status !== 201) throw new Error(`template seed failed: ${JSON.stringify(pushSeed.body)}`);
  const key = await request('POST', '/api/v1/api-keys', { body: { name: 'kit sender', scopes: ['send'] } });

  return {
    infra,
    adminKey,
    sendKey: key.body.data.key,
    request,
    gateway,
    functions: running as ReadonlyMap<'gateway' | 'user' | 'template', RunningFunction>,
    peers,
    add(name, fn) {
      running.set(name, fn);
    },
    setDown(name, isDown) {
      if (isDown) down.add(name);
      else down.delete(name);
    },
    async createUser(overrides = {}) {
      const email = `u-${randomUUID()}@example.com`;
      const created = await request('POST', '/api/v1/users', {
        auth: null,
        body: { name: 'Ada', email, password: 'a good password', ...overrides },
      });
      if (created.status !== 201) throw new Error(`user: ${JSON.stringify(created.body)}`);
      const login = await request('POST', '/api/v1/auth/login', { auth: null, body: { email, password: 'a good password' } });
      return { id: created.body.data.id, email, token: login.body.data.access_token };
    },
    async close() {
      await gateway.stop?.();
      await infra.queue.close();
      await infra.cache.close();
      await database.close();
    },
  };
}

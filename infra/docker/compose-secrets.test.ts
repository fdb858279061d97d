import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config.js';
import { commandOf, environmentOf, parseCompose } from './compose-file.js';

// Issue 13, item 2: compose shipped shared secrets (an example .env whose placeholders passed validation,
// postgres/postgres, a password-less Redis, known RabbitMQ credentials) and published them on every interface.
const compose = parseCompose(readFileSync('docker-compose.yml', 'utf8'), {});
const services = compose.services;
const infrastructure = ['postgres', 'redis', 'rabbitmq', 'mailhog', 'prometheus', 'grafana'];
const work = mkdtempSync(join(tmpdir(), 'compose-secrets-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The secrets-init job's own script, run by sh as the container would run it, on a directory of ours. */
function runInit(dir: string) {
  const argv = commandOf(services['secrets-init']!)!;
  const result = spawnSync(argv[0]!, argv.slice(1), { env: { PATH: process.env.PATH, SECRETS_DIR: dir }, encoding: 'utf8' });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.stdout;
}

const readEnv = (dir: string) =>
  Object.fromEntries(
    readFileSync(join(dir, 'platform.env'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );

describe('docker-compose.yml: no shared secret', () => {
  it('generates every secret on the first start, prints the admin key once, and reuses them on later starts', () => {
    const dir = mkdtempSync(join(work, 'volume-'));
    const first = runInit(dir);
    const env = readEnv(dir);
    expect(first).toContain(`Admin API key (shown once): ${env.ADMIN_API_KEY}`);
    const files = readdirSync(dir, { recursive: true }).map(String).sort();
    const snapshot = Object.fromEntries(
      files.filter((f) => f.includes('.') || f.endsWith('password')).map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
    );

    const second = runInit(dir);
    expect(second).not.toContain(env.ADMIN_API_KEY);
    expect(second).toContain('reusing');
    for (const [file, content] of Object.entries(snapshot)) expect(readFileSync(join(dir, file), 'utf8'), file).toBe(content);
  });

  it('gives each deployment its own values, each accepted by the production config (no placeholder, long enough)', () => {
    const a = mkdtempSync(join(work, 'a-'));
    const b = mkdtempSync(join(work, 'b-'));
    runInit(a);
    runInit(b);
    const [envA, envB] = [readEnv(a), readEnv(b)];
    for (const name of ['ADMIN_API_KEY', 'JWT_SECRET', 'INTERNAL_SECRET', 'DATABASE_URL', 'REDIS_URL', 'AMQP_URL']) {
      expect(envA[name], name).toBeTruthy();
      expect(envA[name], name).not.toBe(envB[name]);
    }
    expect(loadConfig({ NODE_ENV: 'production', ...envA }).auth.internalSecret).toBe(envA.INTERNAL_SECRET);
    // the passwords in the URLs are the ones the servers are given
    expect(new URL(envA.DATABASE_URL!).password).toBe(readFileSync(join(a, 'postgres_password'), 'utf8'));
    expect(readFileSync(join(a, 'redis.conf'), 'utf8')).toContain(`requirepass ${new URL(envA.REDIS_URL!).password}`);
    const rabbit = readFileSync(join(a, 'rabbitmq', '20-platform.conf'), 'utf8');
    expect(rabbit).toContain(`default_pass = ${new URL(envA.AMQP_URL!).password}`);
    expect(new URL(envA.AMQP_URL!).username).toBe('notifications');
  });

  it('has no password-less Redis and no guest or well-known RabbitMQ user', () => {
    expect(commandOf(services.redis!)).toEqual(['redis-server', '/run/platform-secrets/redis.conf']);
    const rabbitEnv = environmentOf(services.rabbitmq!);
    expect(rabbitEnv.RABBITMQ_CONFIG_FILES).toBe('/run/platform-secrets/rabbitmq');
    expect(rabbitEnv.RABBITMQ_DEFAULT_USER).toBeUndefined();
    expect(rabbitEnv.RABBITMQ_DEFAULT_PASS).toBeUndefined();
    const dir = mkdtempSync(join(work, 'rabbit-'));
    runInit(dir);
    const conf = readFileSync(join(dir, 'rabbitmq', '20-platform.conf'), 'utf8');
    expect(conf).not.toMatch(/guest/);
    expect(conf).toMatch(/^default_user = notifications$/m);
    const postgresEnv = environmentOf(services.postgres!);
    expect(postgresEnv.POSTGRES_PASSWORD).toBeUndefined();
    expect(postgresEnv.POSTGRES_PASSWORD_FILE).toBe('/run/platform-secrets/postgres_password');
    expect(environmentOf(services.grafana!).GF_SECURITY_ADMIN_PASSWORD).toBeUndefined();
    // no credential written into any service's environment
    for (const [name, service] of Object.entries(services)) {
      for (const [variable, value] of Object.entries(environmentOf(service))) {
        if (/^[a-z]+:\/\//.test(value)) expect(new URL(value).password, `${name} ${variable}`).toBe('');
      }
    }
  });

  it('publishes the infrastructure and the internal functions on 127.0.0.1 only; the gateway alone faces outside', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const entry of (service.ports ?? []).map(String)) {
        if (name === 'api-gateway') continue;
        expect(entry, `${name} ${entry}`).toMatch(/^127\.0\.0\.1:/);
      }
    }
    for (const name of infrastructure) expect(services[name]?.ports?.length, name).toBeGreaterThan(0);
  });
});

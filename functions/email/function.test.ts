import { describe, expect, it } from 'vitest';
import { createMemoryCache } from '../../shared/cache/memory-cache.js';
import { ConfigError, loadConfig } from '../../shared/config.js';
import type { Database } from '../../shared/db/create-db.js';
import { createMemoryQueue } from '../../shared/queue/memory-queue.js';
import type { Infra, Peers } from '../../shared/runtime/function-module.js';
import { emailFunction } from './function.js';
import { captureLogger } from './test-support/email-test-kit.js';
import { startSmtpTestServer } from './test-support/smtp-test-server.js';

const peers: Peers = { fetcher: () => async () => new Response('{}', { status: 503 }) };

function infraFor(env: Record<string, string>): Infra {
  const { logger } = captureLogger();
  return {
    config: loadConfig(env),
    logger,
    // the email function owns no tables
    database: {} as Database,
    cache: createMemoryCache(),
    queue: createMemoryQueue({ logger }),
    jwtSecret: 'j'.repeat(40),
    internalSecret: 'i'.repeat(40),
  };
}

describe('email function module', () => {
  it('refuses to start in production without an SMTP relay', async () => {
    const infra = infraFor({
      NODE_ENV: 'production',
      ADMIN_API_KEY: 'k'.repeat(32),
      JWT_SECRET: 's'.repeat(32),
      INTERNAL_SECRET: 'i'.repeat(32),
      EMAIL_PROVIDERS: 'smtp',
    });
    await expect(emailFunction.create(infra, peers)).rejects.toThrow(ConfigError);
    await expect(emailFunction.create(infra, peers)).rejects.toThrow(/SMTP_HOST: required/);
  });

  it('is ready when the queue and the relay answer, and not when the relay is gone', async () => {
    const server = await startSmtpTestServer();
    const fn = await emailFunction.create(
      infraFor({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(server.port), NODE_ENV: 'test' }),
      peers,
    );
    await fn.start?.();
    try {
      const ready = await fn.app.request('/health/ready');
      expect(ready.status).toBe(200);
      expect((await ready.json()).data.dependencies).toEqual({ queue: 'ok', smtp: 'ok' });

      // the relay is asked once, however often readiness is probed
      const connections = server.connections;
      for (let i = 0; i < 5; i++) expect((await fn.app.request('/health/ready')).status).toBe(200);
      expect(server.connections).toBe(connections);

      server.setDown(true);
      // the reused answer lasts a few seconds
      await expect.poll(async () => (await fn.app.request('/health/ready')).status, { timeout: 15_000, interval: 250 }).toBe(503);
      expect((await fn.app.request('/health')).status).toBe(200);
    } finally {
      await fn.stop?.();
      await server.close();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

const PRODUCTION = {
  NODE_ENV: 'production',
  ADMIN_API_KEY: 'a'.repeat(32),
  JWT_SECRET: 'j'.repeat(40),
  INTERNAL_SECRET: 'i'.repeat(40),
};

describe('webhook settings', () => {
  it('takes localhost receivers over http only in development, by default', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).webhooks).toEqual({
      outboundPolicy: { localHosts: ['localhost', '127.0.0.1', '[::1]'], httpForLocalHosts: true },
      timeoutMs: 10_000,
      disableAfterMs: 120 * 3_600_000,
      circuitResetMs: 60_000,
    });
    expect(loadConfig({ NODE_ENV: 'test' }).webhooks.outboundPolicy.localHosts).toEqual([]);
  });

  it('takes the local hosts named, never over http in production', () => {
    const config = loadConfig({
      ...PRODUCTION,
      WEBHOOK_LOCAL_HOSTS: 'hooks.internal.test, 10.0.0.7:8443',
      WEBHOOK_TIMEOUT_MS: '2500',
      WEBHOOK_DISABLE_AFTER_HOURS: '48',
      WEBHOOK_CIRCUIT_RESET_MS: '5000',
    });
    expect(config.webhooks).toEqual({
      outboundPolicy: { localHosts: ['hooks.internal.test', '10.0.0.7:8443'], httpForLocalHosts: false },
      timeoutMs: 2_500,
      disableAfterMs: 48 * 3_600_000,
      circuitResetMs: 5_000,
    });
  });

  it('refuses a timeout or a circuit reset out of range', () => {
    expect(() => loadConfig({ WEBHOOK_TIMEOUT_MS: '5' })).toThrow(/WEBHOOK_TIMEOUT_MS/);
    // a postponement is a delayed publish: SQS delays 15 minutes at most
    expect(() => loadConfig({ WEBHOOK_CIRCUIT_RESET_MS: '900001' })).toThrow(/WEBHOOK_CIRCUIT_RESET_MS/);
  });
});

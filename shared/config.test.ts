import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('gives embedded defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBeUndefined();
    expect(config.queue.driver).toBe('memory');
    expect(config.email.providers).toEqual(['smtp']);
    expect(config.http.bodyLimitBytes).toBe(65536);
    expect(config.dataDir).toBe('./.data');
  });

  it('picks rabbitmq when AMQP_URL is set', () => {
    expect(loadConfig({ AMQP_URL: 'amqp://guest:guest@localhost:5672' }).queue.driver).toBe('rabbitmq');
  });

  it('reports every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ DATABASE_URL: 'not a url', PORT: '99999', LOG_LEVEL: 'loud', EMAIL_PROVIDERS: 'smtp,pigeon' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['DATABASE_URL', 'PORT', 'LOG_LEVEL', 'EMAIL_PROVIDERS']) expect(problems).toContain(name);
  });

  it('refuses production without ADMIN_API_KEY and JWT_SECRET', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/ADMIN_API_KEY[\s\S]*JWT_SECRET/);
    expect(
      loadConfig({ NODE_ENV: 'production', ADMIN_API_KEY: 'k'.repeat(32), JWT_SECRET: 's'.repeat(32) }).env,
    ).toBe('production');
  });

  it('allows http push endpoints on localhost only in development', () => {
    expect(loadConfig({}).push.endpointAllowlist).toContain('localhost');
    expect(
      loadConfig({ NODE_ENV: 'production', ADMIN_API_KEY: 'k'.repeat(32), JWT_SECRET: 's'.repeat(32) }).push
        .endpointAllowlist,
    ).toEqual([]);
  });

  it('keeps tracing off by default and reads the OTEL_* settings', () => {
    expect(loadConfig({}).tracing).toEqual({
      exporter: 'none',
      otlpTracesUrl: 'http://localhost:4318/v1/traces',
      otlpHeaders: {},
      serviceName: undefined,
      sampleRatio: 1,
    });
    const on = loadConfig({
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://jaeger:4318/v1/traces',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=abc%3D, tenant = acme',
      OTEL_SERVICE_NAME: 'gateway-eu',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    }).tracing;
    expect(on).toEqual({
      exporter: 'otlp',
      otlpTracesUrl: 'http://jaeger:4318/v1/traces',
      otlpHeaders: { 'x-api-key': 'abc=', tenant: 'acme' },
      serviceName: 'gateway-eu',
      sampleRatio: 0.25,
    });
    expect(() => loadConfig({ OTEL_TRACES_EXPORTER: 'jaeger', OTEL_TRACES_SAMPLER_ARG: '2' })).toThrow(/OTEL_TRACES_EXPORTER[\s\S]*OTEL_TRACES_SAMPLER_ARG/);
  });
});

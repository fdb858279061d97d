import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';
import { DEFAULT_PUSH_HOSTS } from './config-push.js';

describe('loadConfig', () => {
  it('gives embedded defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBeUndefined();
    expect(config.queue.driver).toBe('postgres');
    expect(config.email.providers).toEqual(['smtp']);
    expect(config.http.bodyLimitBytes).toBe(65536);
    expect(config.dataDir).toBe('./.data');
  });

  it('picks rabbitmq when AMQP_URL is set', () => {
    expect(loadConfig({ AMQP_URL: 'amqp://guest:guest@localhost:5672' }).queue.driver).toBe('rabbitmq');
  });

  it('declares classic RabbitMQ queues unless AMQP_QUEUE_TYPE says quorum, and refuses other types', () => {
    expect(loadConfig({}).queue.amqpQueueType).toBe('classic');
    expect(loadConfig({ AMQP_QUEUE_TYPE: 'quorum' }).queue.amqpQueueType).toBe('quorum');
    expect(() => loadConfig({ AMQP_QUEUE_TYPE: 'stream' })).toThrow(/AMQP_QUEUE_TYPE/);
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

  it('refuses production without ADMIN_API_KEY, JWT_SECRET and INTERNAL_SECRET', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/ADMIN_API_KEY[\s\S]*JWT_SECRET[\s\S]*INTERNAL_SECRET/);
    expect(
      loadConfig({
        NODE_ENV: 'production',
        ADMIN_API_KEY: 'k'.repeat(32),
        JWT_SECRET: 's'.repeat(32),
        INTERNAL_SECRET: 'i'.repeat(32),
      }).env,
    ).toBe('production');
  });

  it("hashes passwords at OWASP's scrypt cost unless told, and refuses cheaper than OWASP's minimum in production", () => {
    expect(loadConfig({}).auth.passwordScrypt).toEqual({ N: 131072, r: 8, p: 1 });
    expect(loadConfig({ PASSWORD_SCRYPT_N: '4096' }).auth.passwordScrypt).toEqual({ N: 4096, r: 8, p: 1 });
    expect(() => loadConfig({ PASSWORD_SCRYPT_N: '100000' })).toThrow(/PASSWORD_SCRYPT_N: must be a power of two/);
    // each within its own bound, together 4 GiB per hash
    expect(() => loadConfig({ PASSWORD_SCRYPT_N: String(2 ** 20), PASSWORD_SCRYPT_R: '32' })).toThrow(/more than 256 MiB/);
    const production = {
      NODE_ENV: 'production',
      ADMIN_API_KEY: 'k'.repeat(32),
      JWT_SECRET: 's'.repeat(32),
      INTERNAL_SECRET: 'i'.repeat(32),
    };
    expect(() => loadConfig({ ...production, PASSWORD_SCRYPT_N: '16384' })).toThrow(/PASSWORD_SCRYPT_N.*OWASP/);
    // OWASP's equivalent settings pass
    expect(loadConfig({ ...production, PASSWORD_SCRYPT_N: '16384', PASSWORD_SCRYPT_P: '5' }).auth.passwordScrypt.p).toBe(5);
  });

  it("bounds template rendering by liquidjs's limits, configurable", () => {
    expect(loadConfig({}).templates).toEqual({ parseLimit: 200_000, renderLimitMs: 1_000, memoryLimit: 10_000_000 });
    expect(loadConfig({ TEMPLATE_RENDER_LIMIT_MS: '250', TEMPLATE_MEMORY_LIMIT: '1000' }).templates).toMatchObject({
      renderLimitMs: 250,
      memoryLimit: 1000,
    });
    expect(() => loadConfig({ TEMPLATE_PARSE_LIMIT: '0' })).toThrow(/TEMPLATE_PARSE_LIMIT/);
  });

  it('refuses placeholder secrets (an example file copied as it is) in production', () => {
    const real = {
      NODE_ENV: 'production',
      ADMIN_API_KEY: 'k'.repeat(32),
      JWT_SECRET: 's'.repeat(32),
      INTERNAL_SECRET: 'i'.repeat(32),
    };
    for (const name of ['ADMIN_API_KEY', 'JWT_SECRET', 'INTERNAL_SECRET']) {
      for (const placeholder of [
        'CHANGE-ME-at-least-32-characters-long-secret',
        'changeme-changeme-changeme-changeme',
        'replace-me-with-a-real-secret-value!',
      ]) {
        expect(() => loadConfig({ ...real, [name]: placeholder }), `${name}=${placeholder}`).toThrow(
          new RegExp(`${name}: a placeholder`),
        );
      }
    }
    // outside production the dev defaults are generated anyway; a placeholder there is the developer's business
    expect(loadConfig({ JWT_SECRET: 'CHANGE-ME-at-least-32-characters-long-secret' }).env).toBe('development');
  });

  it('binds loopback unless HOST says otherwise', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  it('takes push endpoints of the real push services only, local hosts only where named, http never in production', () => {
    const production = {
      NODE_ENV: 'production',
      ADMIN_API_KEY: 'k'.repeat(32),
      JWT_SECRET: 's'.repeat(32),
      INTERNAL_SECRET: 'i'.repeat(32),
    };

    expect(loadConfig({}).push.endpointPolicy).toEqual({
      allowedHosts: DEFAULT_PUSH_HOSTS,
      localHosts: ['localhost', '127.0.0.1', '[::1]'], // `npm start`'s local push service
      httpForLocalHosts: true,
    });
    expect(loadConfig({ NODE_ENV: 'test' }).push.endpointPolicy.localHosts).toEqual([]);
    expect(loadConfig(production).push.endpointPolicy).toEqual({
      allowedHosts: DEFAULT_PUSH_HOSTS,
      localHosts: [],
      httpForLocalHosts: false,
    });
    expect(
      loadConfig({ ...production, PUSH_HOST_ALLOWLIST: 'push.example.com, *.push.example.net', PUSH_LOCAL_HOSTS: '127.0.0.1' })
        .push.endpointPolicy,
    ).toEqual({ allowedHosts: ['push.example.com', '*.push.example.net'], localHosts: ['127.0.0.1'], httpForLocalHosts: false });
    expect(DEFAULT_PUSH_HOSTS).toEqual(
      expect.arrayContaining([
        'fcm.googleapis.com',
        'updates.push.services.mozilla.com',
        '*.push.apple.com',
        '*.notify.windows.com',
      ]),
    );
  });

  it('refuses the old PUSH_ENDPOINT_ALLOWLIST by name instead of ignoring it', () => {
    expect(() => loadConfig({ PUSH_ENDPOINT_ALLOWLIST: 'localhost' })).toThrow(
      /PUSH_ENDPOINT_ALLOWLIST: renamed to PUSH_LOCAL_HOSTS/,
    );
  });

  it('caps devices per user at 20 unless told', () => {
    expect(loadConfig({}).push.maxDevicesPerUser).toBe(20);
    expect(loadConfig({ PUSH_MAX_DEVICES_PER_USER: '3' }).push.maxDevicesPerUser).toBe(3);
    expect(() => loadConfig({ PUSH_MAX_DEVICES_PER_USER: '0' })).toThrow(/PUSH_MAX_DEVICES_PER_USER/);
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
    expect(() => loadConfig({ OTEL_TRACES_EXPORTER: 'jaeger', OTEL_TRACES_SAMPLER_ARG: '2' })).toThrow(
      /OTEL_TRACES_EXPORTER[\s\S]*OTEL_TRACES_SAMPLER_ARG/,
    );
  });
});

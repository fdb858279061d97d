import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  buildArgsOf,
  type ComposeFile,
  commandOf,
  dependsOnOf,
  environmentOf,
  functionOf,
  networksOf,
  parseCompose,
  portsOf,
  startOrder,
} from './compose-file.js';
import { FUNCTION_CONTAINER_PORTS, findWiringProblems } from './compose-wiring.js';

// no .env: compose needs none
const text = readFileSync('docker-compose.yml', 'utf8');
const load = (): ComposeFile => parseCompose(text, {});
const compose = load();

/** The original's services (seeds/docker-deployment.txt) and the host ports of docs/architecture.md. */
const FUNCTIONS = {
  'api-gateway': { fn: 'gateway', host: '8000' },
  'user-service': { fn: 'user', host: '8001' },
  'template-service': { fn: 'template', host: '8002' },
  'email-service': { fn: 'email', host: '8003' },
  'push-service': { fn: 'push', host: '8004' },
} as const;
const INFRA = {
  postgres: { image: 'postgres:15', ports: ['127.0.0.1:5432:5432'], volume: 'pgdata:/var/lib/postgresql/data' },
  redis: { image: 'redis:7-alpine', ports: ['127.0.0.1:6379:6379'], volume: 'redis_data:/data' },
  rabbitmq: {
    image: 'rabbitmq:3.11-management',
    ports: ['127.0.0.1:5673:5672', '127.0.0.1:15673:15672'],
    volume: 'rabbitmq_data:/var/lib/rabbitmq',
  },
  mailhog: { image: 'mailhog/mailhog', ports: ['127.0.0.1:1025:1025', '127.0.0.1:8025:8025'], volume: undefined },
} as const;
const functionServices = Object.keys(FUNCTIONS) as Array<keyof typeof FUNCTIONS>;
const infraServices = Object.keys(INFRA) as Array<keyof typeof INFRA>;

describe('docker-compose.yml: the original topology', () => {
  it('has the nine containers of the original plus the one-shot secrets-init and db-migrate jobs', () => {
    // the optional `monitoring` profile (Prometheus, Grafana) is checked by infra/monitoring/monitoring.test.ts
    const core = Object.entries(compose.services).filter(
      ([, s]) => !((s as { profiles?: string[] }).profiles ?? []).includes('monitoring'),
    );
    expect(core.map(([name]) => name).sort()).toEqual(
      [...functionServices, ...infraServices, 'db-migrate', 'secrets-init'].sort(),
    );
  });

  it('runs the infrastructure on the original images, ports and named volumes', () => {
    for (const name of infraServices) {
      const service = compose.services[name]!;
      const spec = INFRA[name];
      expect(service.image, name).toBe(spec.image);
      expect(service.ports?.map(String), name).toEqual(spec.ports);
      if (spec.volume) expect(service.volumes, name).toContain(spec.volume);
    }
    expect(Object.keys(compose.volumes ?? {}).sort()).toEqual([
      'grafana_data',
      'pgdata',
      'platform_secrets',
      'prometheus_data',
      'rabbitmq_data',
      'redis_data',
    ]);
  });

  it('puts every service on the app-network bridge and restarts long-running ones unless stopped', () => {
    expect(compose.networks?.['app-network']?.driver).toBe('bridge');
    for (const [name, service] of Object.entries(compose.services)) {
      expect(networksOf(service), name).toEqual(['app-network']);
      expect(service.restart, name).toBe(name === 'db-migrate' || name === 'secrets-init' ? 'no' : 'unless-stopped');
    }
  });

  it('builds each function from infra/docker/Dockerfile with its FUNCTION and container PORT', () => {
    for (const name of functionServices) {
      const service = compose.services[name]!;
      const { fn } = FUNCTIONS[name];
      const port = FUNCTION_CONTAINER_PORTS[fn]!;
      expect(service.build?.dockerfile, name).toBe('infra/docker/Dockerfile');
      expect(service.build?.context, name).toBe('.');
      expect(buildArgsOf(service), name).toEqual({ FUNCTION: fn, PORT: String(port) });
    }
  });

  it("sets each function's PORT to its container port and maps the host port of docs/architecture.md onto it", () => {
    for (const name of functionServices) {
      const service = compose.services[name]!;
      const { fn, host } = FUNCTIONS[name];
      const port = FUNCTION_CONTAINER_PORTS[fn]!;
      expect(environmentOf(service).PORT, name).toBe(String(port));
      expect(portsOf(service), name).toEqual([{ host, container: port }]);
    }
  });

  it("agrees with each function module's own containerPort (the port it listens on when PORT is unset)", async () => {
    for (const name of functionServices) {
      const { fn } = FUNCTIONS[name];
      if (!existsSync(`functions/${fn}/function.ts`)) continue; // not written yet: nothing to disagree with
      const module = (await import(/* @vite-ignore */ pathToFileURL(resolve(`functions/${fn}/function.ts`)).href)) as Record<
        string,
        unknown
      >;
      const declared = Object.values(module).find(
        (value): value is { name: string; containerPort: number } =>
          typeof value === 'object' && value !== null && 'containerPort' in value && (value as { name?: unknown }).name === fn,
      );
      expect(declared, `functions/${fn}/function.ts exports its FunctionModule`).toBeDefined();
      expect(declared!.containerPort, name).toBe(FUNCTION_CONTAINER_PORTS[fn]);
    }
  });

  it('runs every function in production, with its secrets from the generated volume, none in the environment', () => {
    for (const name of [...functionServices, 'db-migrate']) {
      const service = compose.services[name]!;
      const env = environmentOf(service);
      expect(env.NODE_ENV, name).toBe('production');
      for (const secret of ['ADMIN_API_KEY', 'JWT_SECRET', 'INTERNAL_SECRET'])
        expect(env[secret], `${name} ${secret}`).toBeUndefined();
      expect(service.volumes, name).toContain('platform_secrets:/run/platform-secrets:ro');
    }
  });
});

describe('docker-compose.yml: wiring', () => {
  it('points every URL (and SMTP_HOST:SMTP_PORT) at a service and a port that service listens on', () => {
    expect(findWiringProblems(compose)).toEqual([]);
  });

  it('wires the queue, the SMTP relay and the peers the way the functions need them', () => {
    const env = (name: string) => environmentOf(compose.services[name]!);
    for (const name of ['api-gateway', 'email-service', 'push-service']) {
      expect(env(name).QUEUE_DRIVER, name).toBe('rabbitmq');
      expect(new URL(env(name).AMQP_URL!).host, name).toBe('rabbitmq:5672');
    }
    expect([env('email-service').SMTP_HOST, env('email-service').SMTP_PORT]).toEqual(['mailhog', '1025']);
    expect(env('api-gateway').USER_SERVICE_URL).toBe('http://user-service:8081');
    expect(env('api-gateway').TEMPLATE_SERVICE_URL).toBe('http://template-service:8002');
    expect(env('api-gateway').EMAIL_SERVICE_URL).toBe('http://email-service:8080');
    expect(env('api-gateway').PUSH_SERVICE_URL).toBe('http://push-service:8004');
    expect(env('template-service').USER_SERVICE_URL).toBe('http://user-service:8081');
    for (const name of [...functionServices, 'db-migrate']) {
      expect(new URL(env(name).DATABASE_URL!).host, name).toBe('postgres:5432');
    }
  });

  it('catches what the original got wrong: a URL at a port nothing listens on (the host port, not the container port)', () => {
    const broken = load();
    (broken.services['api-gateway']!.environment as Record<string, string>).USER_SERVICE_URL = 'http://user-service:8001';
    expect(findWiringProblems(broken)).toEqual([
      'api-gateway: USER_SERVICE_URL points at user-service:8001, but user-service listens on 8081',
    ]);
  });

  it('catches a URL at a host that is no service, and a URL whose scheme the port does not speak', () => {
    const broken = load();
    const gateway = broken.services['api-gateway']!.environment as Record<string, string>;
    gateway.TEMPLATE_SERVICE_URL = 'http://templates:8002';
    gateway.REDIS_URL = 'http://redis:6379';
    expect(findWiringProblems(broken).sort()).toEqual([
      'api-gateway: REDIS_URL speaks http to redis:6379, which speaks redis',
      'api-gateway: TEMPLATE_SERVICE_URL points at host "templates", which is not a service',
    ]);
  });

  it('catches a function moved off its container port, and every URL that still points at the old one', () => {
    const broken = load();
    (broken.services['user-service']!.environment as Record<string, string>).PORT = '8001';
    expect(findWiringProblems(broken).sort()).toEqual(
      [
        'user-service: PORT=8001 but the user container port is 8081',
        ...['api-gateway', 'template-service', 'email-service', 'push-service'].map(
          (name) => `${name}: USER_SERVICE_URL points at user-service:8081, but user-service listens on 8001`,
        ),
      ].sort(),
    );
  });

  it('catches an infrastructure dependency that is used but not awaited as healthy', () => {
    const broken = load();
    delete (broken.services['push-service']!.depends_on as Record<string, unknown>).rabbitmq;
    expect(findWiringProblems(broken)).toEqual([
      'push-service: AMQP_URL needs rabbitmq, so depends_on rabbitmq must be condition: service_healthy',
    ]);
  });
});

describe('docker-compose.yml: health and start order', () => {
  it('health-checks every infrastructure service and every function', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (name === 'db-migrate' || name === 'secrets-init') {
        expect(service.healthcheck?.disable, 'a one-shot job has nothing to probe').toBe(true);
        continue;
      }
      expect(service.healthcheck?.disable, name).not.toBe(true);
      expect(service.healthcheck?.test?.length, name).toBeGreaterThan(0);
    }
    expect(compose.services.rabbitmq!.healthcheck!.test).toEqual(['CMD', 'rabbitmq-diagnostics', '-q', 'check_running']);
    for (const name of functionServices) {
      const test = compose.services[name]!.healthcheck!.test as string[];
      expect(test.slice(0, 3), name).toEqual(['CMD', 'node', '-e']);
      expect(test[3], name).toContain("'http://127.0.0.1:'+process.env.PORT+'/health/ready'");
    }
  });

  it('runs db-migrate once, as the image does, after Postgres is healthy; every function waits for it to succeed', () => {
    const job = compose.services['db-migrate']!;
    expect(commandOf(job)).toEqual([
      'sh',
      '-c',
      'if [ -r /run/platform-secrets/platform.env ]; then set -a; . /run/platform-secrets/platform.env; set +a; fi; exec node dist/scripts/db-migrate.js',
    ]);
    expect(dependsOnOf(job)).toEqual({ 'secrets-init': 'service_completed_successfully', postgres: 'service_healthy' });
    expect(job.image).toBe(compose.services['api-gateway']!.image);
    for (const name of functionServices) {
      expect(dependsOnOf(compose.services[name]!)['db-migrate'], name).toBe('service_completed_successfully');
    }
  });

  it('starts in the original order: infrastructure, then user and template, then gateway, email and push', () => {
    const healthyDeps = (name: string) =>
      Object.entries(dependsOnOf(compose.services[name]!))
        .filter(([dep, condition]) => dep !== 'db-migrate' && condition === 'service_healthy')
        .map(([dep]) => dep)
        .sort();
    // the infrastructure waits only for its generated secrets (mailhog has none)
    for (const name of infraServices) {
      const expected = name === 'mailhog' ? {} : { 'secrets-init': 'service_completed_successfully' };
      expect(dependsOnOf(compose.services[name]!), name).toEqual(expected);
    }
    for (const name of ['user-service', 'template-service']) expect(healthyDeps(name), name).toEqual(['postgres', 'redis']);
    for (const name of ['api-gateway', 'push-service']) {
      expect(healthyDeps(name), name).toEqual(['postgres', 'rabbitmq', 'redis', 'template-service', 'user-service']);
    }
    expect(healthyDeps('email-service')).toEqual([
      'mailhog',
      'postgres',
      'rabbitmq',
      'redis',
      'template-service',
      'user-service',
    ]);
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [dep, condition] of Object.entries(dependsOnOf(service))) {
        const oneShot = dep === 'db-migrate' || dep === 'secrets-init';
        expect(condition, `${name} -> ${dep}`).toBe(oneShot ? 'service_completed_successfully' : 'service_healthy');
      }
    }
    const order = startOrder(compose);
    const at = (name: string) => order.indexOf(name);
    expect(Math.max(at('user-service'), at('template-service'))).toBeLessThan(
      Math.min(at('api-gateway'), at('email-service'), at('push-service')),
    );
  });

  it('lets the workers scale: no fixed container names anywhere', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect((service as { container_name?: string }).container_name, name).toBeUndefined();
    }
    expect(functionOf(compose.services['email-service']!)).toBe('email');
  });
});

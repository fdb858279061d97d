import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createLogger } from '../../shared/logging/logger.js';
import { httpMetrics } from '../../shared/metrics/http-metrics.js';
import { registerNotificationStatusMetrics } from '../../shared/metrics/notification-status-metrics.js';
import { createProviderMetrics } from '../../shared/metrics/provider-metrics.js';
import { withQueueMetrics } from '../../shared/metrics/queue-metrics.js';
import { createMetricsRegistry } from '../../shared/metrics/registry.js';
import { createMemoryQueue } from '../../shared/queue/memory-queue.js';
import { type ComposeService, dependsOnOf, environmentOf, networksOf, parseCompose } from '../docker/compose-file.js';
import { FUNCTION_CONTAINER_PORTS } from '../docker/compose-wiring.js';

// compose needs no variables: every secret is generated into the platform_secrets volume
const SECRETS = {};
const compose = parseCompose(readFileSync('docker-compose.yml', 'utf8'), SECRETS);
const inMonitoring = (s: ComposeService) => ((s as { profiles?: string[] }).profiles ?? []).includes('monitoring');
const base = { services: Object.fromEntries(Object.entries(compose.services).filter(([, s]) => !inMonitoring(s))) };
const monitoring = { services: Object.fromEntries(Object.entries(compose.services).filter(([, s]) => inMonitoring(s))) };
const prometheus = parse(readFileSync('infra/monitoring/prometheus.yml', 'utf8')) as {
  scrape_configs: Array<{ job_name: string; dns_sd_configs?: Array<{ names: string[]; port: number }> }>;
};
const dashboard = JSON.parse(readFileSync('infra/monitoring/grafana/dashboards/notification-platform.json', 'utf8')) as {
  panels: Array<{ type: string; title: string; targets?: Array<{ expr: string }> }>;
};

const emptyDir = mkdtempSync(join(tmpdir(), 'monitoring-'));
const emptyEnvFile = join(emptyDir, 'empty.env');
writeFileSync(emptyEnvFile, '');
afterAll(() => rmSync(emptyDir, { recursive: true, force: true }));

describe('monitoring profile', () => {
  it('renders with docker-compose.yml under --profile monitoring (docker-compose config -q)', () => {
    const result = spawnSync(
      'docker-compose',
      ['--env-file', emptyEnvFile, '-f', 'docker-compose.yml', '--profile', 'monitoring', 'config', '-q'],
      { env: { PATH: process.env.PATH, HOME: emptyDir, ...SECRETS }, encoding: 'utf8' },
    );
    if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error('docker-compose is not installed: apt-get install -y docker-compose');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('adds only optional services that follow the house rules of docker-compose.yml', () => {
    expect(Object.keys(monitoring.services).sort()).toEqual(['grafana', 'prometheus']);
    for (const [name, service] of Object.entries(monitoring.services) as Array<
      [string, ComposeService & { profiles?: string[]; container_name?: string }]
    >) {
      expect(base.services[name], `${name} clashes with a service of docker-compose.yml`).toBeUndefined();
      expect(service.profiles, name).toEqual(['monitoring']);
      expect(networksOf(service), name).toEqual(['app-network']);
      expect(service.restart, name).toBe('unless-stopped');
      expect(service.healthcheck?.test?.length, name).toBeGreaterThan(0);
      expect(service.container_name, name).toBeUndefined();
      for (const [dep, condition] of Object.entries(dependsOnOf(service)))
        expect(condition, name).toBe(dep === 'secrets-init' ? 'service_completed_successfully' : 'service_healthy');
    }
  });

  it('scrapes every function by its compose service name and container port', () => {
    const targets = prometheus.scrape_configs.flatMap((job) =>
      (job.dns_sd_configs ?? []).flatMap((sd) => sd.names.map((n) => `${n}:${sd.port}`)),
    );
    const functions = Object.entries(base.services).filter(([, s]) => environmentOf(s).PORT && s.build);
    expect(functions).toHaveLength(5);
    for (const [name, service] of functions) {
      const port = Number(environmentOf(service).PORT);
      expect(Object.values(FUNCTION_CONTAINER_PORTS)).toContain(port);
      expect(targets, name).toContain(`${name}:${port}`);
    }
  });

  it('charts only metrics the functions export, and covers throughput, latency, errors, queues, dead letters and statuses', async () => {
    const registry = createMetricsRegistry({ function: 'test', processMetrics: false });
    httpMetrics(registry);
    withQueueMetrics(createMemoryQueue({ logger: createLogger({ level: 'silent', name: 'test' }) }), registry);
    createProviderMetrics(registry);
    registerNotificationStatusMetrics(registry, { countByStatus: async () => ({}) });
    const exported = new Set(registry.getMetricsAsArray().map((m) => m.name));
    const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    const used = new Set(
      exprs.flatMap((e) =>
        [...e.matchAll(/\b([a-z][a-z0-9_]*_(?:total|seconds|depth|flight|status|state|bucket|up))\b/g)].map((m) =>
          m[1]!.replace(/_bucket$/, ''),
        ),
      ),
    );
    expect(used.size).toBeGreaterThan(8);
    for (const name of used) expect(exported, name).toContain(name);
    const titles = dashboard.panels.map((p) => p.title.toLowerCase()).join(' | ');
    for (const topic of [
      'throughput',
      'p50',
      'p99',
      'error rate',
      'queue depth',
      'lag',
      'dead letters',
      'notifications by status',
    ])
      expect(titles).toContain(topic);
  });
});

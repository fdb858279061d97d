import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Step {
  run?: string;
  uses?: string;
  with?: Record<string, unknown>;
}
interface Job {
  services?: Record<string, { image: string; ports?: string[]; options?: string }>;
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}

const workflow = parse(readFileSync('.github/workflows/ci.yml', 'utf8')) as Workflow;
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };

/** The job that runs the README's test command. */
function testJob(): Job {
  const jobs = Object.values(workflow.jobs).filter((job) => job.steps.some((s) => s.run?.trim() === 'npm test'));
  expect(jobs).toHaveLength(1);
  return jobs[0]!;
}

describe('.github/workflows/ci.yml (it cannot run here: its shape is checked)', () => {
  it('runs on pushes and pull requests', () => {
    expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(['push', 'pull_request']));
  });

  it('runs npm test after npm ci, on the Node version package.json asks for', () => {
    const steps = testJob().steps;
    const ci = steps.findIndex((s) => s.run?.startsWith('npm ci'));
    const test = steps.findIndex((s) => s.run?.trim() === 'npm test');
    expect(ci).toBeGreaterThanOrEqual(0);
    expect(ci).toBeLessThan(test);
    const node = steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(String(node?.with?.['node-version'])).toBe(pkg.engines.node.replace(/^>=/, ''));
  });

  it('starts Postgres, Redis and RabbitMQ as service containers, health-checked, where the suites look for them', () => {
    const job = testJob();
    const services = job.services ?? {};
    const expected = [
      ['postgres', 'postgres:', '5432', 'DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/'],
      ['redis', 'redis:', '6379', 'REDIS_URL', 'redis://127.0.0.1:6379'],
      ['rabbitmq', 'rabbitmq:', '5672', 'AMQP_URL', 'amqp://guest:guest@127.0.0.1:5672'],
    ] as const;
    for (const [name, image, port, variable, url] of expected) {
      const service = services[name];
      expect(service?.image, name).toMatch(new RegExp(`^${image}`));
      expect(service?.ports, name).toContain(`${port}:${port}`);
      expect(service?.options, name).toContain('--health-cmd');
      expect(job.env?.[variable], variable).toMatch(new RegExp(`^${url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
    }
  });
});

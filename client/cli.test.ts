import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openPlatform, type PlatformKit } from '../functions/gateway/test-support/platform-kit.js';
import { testDatabases } from '../shared/test-support/test-databases.js';
import { type CliIo, main, parseBatchFile, renderProgress } from './cli.js';
import { parseCli } from './cli-args.js';

function fakeIo(overrides: Partial<CliIo> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const spawned: Array<[string, string[]]> = [];
  const io: CliIo = {
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    stderrIsTTY: false,
    env: {},
    readFile: () => Promise.reject(new Error('no files')),
    spawn: (command, args) => (spawned.push([command, args]), Promise.resolve(0)),
    ...overrides,
  };
  return { io, out: () => out.join(''), err: () => err.join(''), spawned };
}

describe('notify CLI: arguments', () => {
  it('parses send with repeated --var (values may hold =)', () => {
    expect(
      parseCli([
        'send',
        '--user',
        'u1',
        '--template',
        'welcome',
        '--type',
        'push',
        '--var',
        'name=Ada',
        '--var',
        'link=https://x/?a=b',
        '--request-id',
        'r1',
      ]),
    ).toEqual({
      kind: 'send',
      user: 'u1',
      template: 'welcome',
      type: 'push',
      variables: { name: 'Ada', link: 'https://x/?a=b' },
      requestId: 'r1',
      sendAt: undefined,
      priority: undefined,
    });
  });

  it('parses list filters, get, dlq and bench', () => {
    expect(parseCli(['list', '--status', 'failed', '--limit', '5'])).toEqual({
      kind: 'list',
      filters: { status: 'failed', limit: 5 },
    });
    expect(parseCli(['get', 'abc'])).toEqual({ kind: 'get', id: 'abc' });
    expect(parseCli(['dlq', 'redrive', 'all'])).toEqual({ kind: 'dlq', args: ['redrive', 'all'] });
    expect(parseCli(['bench', '--n', '10'])).toEqual({ kind: 'bench', args: ['--n', '10'] });
  });

  it.each([
    [['send', '--user', 'u', '--template', 't', '--type', 'sms']],
    [['send', '--template', 't', '--type', 'email']],
    [['send', '--user', 'u', '--template', 't', '--type', 'email', '--var', 'novalue']],
    [['list', '--status', 'nope']],
    [['get']],
    [['dlq', 'redrive']],
    [['frobnicate']],
    [['send', '--bogus']],
  ])('refuses %j with exit code 2 and the usage', async (argv) => {
    const { io, err } = fakeIo();
    expect(await main(argv, io)).toBe(2);
    expect(err()).toContain('usage: notify');
  });

  it('parses trigger (a user or an external id, a JSON payload) and runs / runs cancel', () => {
    expect(parseCli(['trigger', 'welcome-flow', '--user', 'u1', '--payload', '{"name":"Ada"}', '--request-id', 'r1'])).toEqual({
      kind: 'trigger',
      workflowKey: 'welcome-flow',
      recipient: { user_id: 'u1' },
      payload: { name: 'Ada' },
      requestId: 'r1',
    });
    expect(parseCli(['trigger', 'welcome-flow', '--external-id', 'crm-7'])).toMatchObject({
      recipient: { external_id: 'crm-7' },
      payload: {},
    });
    expect(parseCli(['runs', 'abc'])).toEqual({ kind: 'run', id: 'abc' });
    expect(parseCli(['runs', 'cancel', 'abc'])).toEqual({ kind: 'cancelRun', id: 'abc' });
  });

  it.each([
    [['trigger', '--user', 'u']],
    [['trigger', 'wf']],
    [['trigger', 'wf', '--user', 'u', '--external-id', 'e']],
    [['trigger', 'wf', '--user', 'u', '--payload', 'nope']],
    [['trigger', 'wf', '--user', 'u', '--payload', '[1]']],
    [['runs']],
    [['runs', 'cancel']],
    [['runs', 'a', 'b']],
  ])('refuses %j with exit code 2', async (argv) => {
    const { io, err } = fakeIo();
    expect(await main(argv, io)).toBe(2);
    expect(err()).toContain('usage: notify');
  });

  it('runs dlq and bench through npm', async () => {
    const { io, spawned } = fakeIo();
    expect(await main(['dlq', 'list', '10'], io)).toBe(0);
    expect(await main(['bench'], io)).toBe(0);
    expect(spawned).toEqual([
      ['npm', ['run', '--silent', 'dlq', '--', 'list', '10']],
      ['npm', ['run', '--silent', 'bench', '--']],
    ]);
  });

  it('reads JSON arrays, {notifications} and NDJSON batch files; draws a progress bar', () => {
    expect(parseBatchFile('[{"a":1},{"a":2}]')).toHaveLength(2);
    expect(parseBatchFile('{"notifications":[{"a":1}]}')).toHaveLength(1);
    expect(parseBatchFile('{"a":1}\n\n{"a":2}\n')).toHaveLength(2);
    expect(() => parseBatchFile('{"a":1}\nnope')).toThrow(/line 2/);
    expect(renderProgress(1, 4, 8)).toBe('[##......]  25% 1/4');
  });
});

describe('notify CLI against the in-process platform', () => {
  let kit: PlatformKit;
  let cliIo: (overrides?: Partial<CliIo>) => ReturnType<typeof fakeIo>;
  beforeAll(async () => {
    kit = await openPlatform(testDatabases()[0]!);
    cliIo = (overrides = {}) =>
      fakeIo({
        env: { NOTIFY_URL: 'http://gateway.test', NOTIFY_API_KEY: kit.sendKey },
        fetch: (input, init) => kit.gateway.app.fetch(new Request(input, init)),
        ...overrides,
      });
  });
  afterAll(() => kit.close());

  it('send prints the new notification id, which then exists', async () => {
    const user = await kit.createUser();
    const { io, out } = cliIo();
    const code = await main(['send', '--user', user.id, '--template', 'kit_welcome', '--type', 'email', '--var', 'name=Ada'], io);
    expect(code).toBe(0);
    const [id, status] = out().trim().split('\t');
    expect(status).toBe('pending');
    const got = await kit.request('GET', `/api/v1/notifications/${id}`, { auth: kit.sendKey });
    expect(got.body.data).toMatchObject({ user_id: user.id, variables: { name: 'Ada' } });
  });

  it('batch sends a file with progress on stderr', async () => {
    const user = await kit.createUser();
    const lines = [1, 2].map((i) =>
      JSON.stringify({
        notification_type: 'email',
        user_id: user.id,
        template_code: 'kit_welcome',
        variables: { name: 'Ada' },
        request_id: `cli-batch-${user.id}-${i}`,
      }),
    );
    const { io, out, err } = cliIo({ readFile: () => Promise.resolve(lines.join('\n')) });
    expect(await main(['batch', '--file', 'items.ndjson'], io)).toBe(0);
    expect(err()).toContain('100% 2/2');
    expect(err()).toContain('2 accepted, 0 rejected');
    expect(out().trim().split('\n')).toHaveLength(2);
  });

  it('trigger prints the run id; runs shows the run and its steps; runs cancel cancels it', async () => {
    const user = await kit.createUser();
    const key = `cli-wf-${user.id.slice(0, 8)}`;
    const defined = await kit.request('POST', '/api/v1/workflows', {
      body: {
        workflow_key: key,
        name: 'CLI flow',
        steps: [
          { type: 'send', channel: 'email', template_code: 'kit_welcome' },
          { type: 'delay', duration: 'PT1H' },
          { type: 'send', channel: 'email', template_code: 'kit_welcome' },
        ],
      },
    });
    expect(defined.status).toBe(201);
    const triggered = cliIo();
    expect(await main(['trigger', key, '--user', user.id, '--payload', '{"name":"Ada"}'], triggered.io)).toBe(0);
    const [runId, status] = triggered.out().trim().split('\t');
    expect(status).toBe('running');

    const shown = async () => {
      const { io, out } = cliIo();
      expect(await main(['runs', runId!], io)).toBe(0);
      return out().trim().split('\n');
    };
    await vi.waitFor(async () => expect((await shown())[2]).toMatch(/^1\tdelay\twaiting\t\d{4}-/), { timeout: 20_000 });
    const [head, first, , last] = await shown();
    expect(head).toMatch(new RegExp(`^${runId}\trunning\t${key} v1\tuser ${user.id}\tstep 1\t`));
    expect(first).toMatch(/^0\tsend\tcompleted\t-\t[0-9a-f-]{36}\tpending$/);
    expect(last).toBe('2\tsend\tpending\t-\t-');

    const cancelled = cliIo();
    expect(await main(['runs', 'cancel', runId!], cancelled.io)).toBe(0);
    expect(cancelled.out()).toBe(`${runId}\tcancelled\n`);
    const again = cliIo();
    expect(await main(['runs', 'cancel', runId!], again.io)).toBe(1);
    expect(again.err()).toMatch(/^error: conflict \(409\)/);
  });

  it('an API error exits 1 with the code and message on stderr', async () => {
    const { io, err } = cliIo();
    expect(await main(['get', '00000000-0000-4000-8000-000000000000'], io)).toBe(1);
    expect(err()).toMatch(/^error: not_found \(404\)/);
  });
});

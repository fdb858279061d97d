import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { openPlatform, type PlatformKit } from '../test-support/platform-kit.js';
import { workflowKit } from '../test-support/workflow-kit.js';

const send = { type: 'send', channel: 'email', template_code: 'kit_welcome' };

describe.each(testDatabases())('workflow definitions and triggers on $kind', (target) => {
  let kit: PlatformKit;
  let wf: ReturnType<typeof workflowKit>;
  beforeAll(async () => {
    kit = await openPlatform(target);
    wf = workflowKit(kit);
  });
  afterAll(() => kit.close());

  const create = (body: unknown, auth?: string) => kit.request('POST', '/api/v1/workflows', { body, ...(auth && { auth }) });

  it('stores a workflow as version 1, active; a new version runs only once activated', async () => {
    const key = `onboard-${randomUUID().slice(0, 8)}`;
    const created = await create({ workflow_key: key, name: 'Onboarding', steps: [send] });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ workflow_key: key, active_version: 1, version: 1, steps: [send] });
    const v2 = await kit.request('POST', `/api/v1/workflows/${key}/versions`, {
      body: { steps: [{ type: 'delay', duration: 'PT1H' }, send] },
    });
    expect(v2.status).toBe(201);
    expect(v2.body.data).toMatchObject({ version: 2, active_version: 1 });
    expect((await kit.request('GET', `/api/v1/workflows/${key}`)).body.data.steps).toEqual([send]);
    const listed = await kit.request('GET', `/api/v1/workflows/${key}/versions`);
    expect(listed.body.data.map((v: { version: number; active: boolean }) => [v.version, v.active])).toEqual([
      [2, false],
      [1, true],
    ]);
    const activated = await kit.request('POST', `/api/v1/workflows/${key}/versions/2/activate`);
    expect(activated.status).toBe(200);
    expect(activated.body.data).toMatchObject({ active_version: 2, version: 2 });
    expect((await kit.request('POST', `/api/v1/workflows/${key}/versions/9/activate`)).status).toBe(404);
    const all = await kit.request('GET', '/api/v1/workflows?limit=100');
    expect(all.body.data.map((w: { workflow_key: string }) => w.workflow_key)).toContain(key);
  });

  it('refuses a taken key (409), bad steps (400) and a step whose template does not exist (422)', async () => {
    const key = await wf.define([send]);
    expect((await create({ workflow_key: key, name: 'again', steps: [send] })).status).toBe(409);
    const bad = async (steps: unknown[]) =>
      (await create({ workflow_key: `x-${randomUUID().slice(0, 8)}`, name: 'x', steps })).status;
    expect(await bad([{ type: 'delay', duration: '1 hour' }, send])).toBe(400);
    expect(await bad([{ type: 'delay', duration: 'PT0S' }, send])).toBe(400);
    expect(await bad([{ type: 'teleport' }, send])).toBe(400);
    expect(await bad([{ type: 'delay', duration: 'PT1M' }])).toBe(400);
    expect(await bad([{ ...send, if: { previous: 'vanished' } }])).toBe(400);
    expect(await bad([{ ...send, extra: true }])).toBe(400);
    const missing = await create({
      workflow_key: `y-${randomUUID().slice(0, 8)}`,
      name: 'y',
      steps: [{ ...send, template_code: 'nope' }],
    });
    expect(missing.status).toBe(422);
    expect(missing.body.message).toContain('step 0 (nope on email)');
  });

  it('definitions need an admin key; a send key triggers', async () => {
    const key = await wf.define([send]);
    expect((await create({ workflow_key: 'z-z', name: 'z', steps: [send] }, kit.sendKey)).status).toBe(403);
    expect((await kit.request('GET', `/api/v1/workflows/${key}`, { auth: null })).status).toBe(401);
    const user = await kit.createUser();
    expect((await wf.trigger(key, { user_id: user.id }, user.token)).status).toBe(403);
    expect((await wf.trigger(key, { user_id: user.id })).status).toBe(202);
  });

  it('a trigger is idempotent on its request id: the same run again, another body 409', async () => {
    const key = await wf.define([send]);
    const user = await kit.createUser();
    const body = { user_id: user.id, payload: { name: 'Ada' }, request_id: randomUUID() };
    const first = await wf.trigger(key, body);
    expect(first.status).toBe(202);
    expect(first.body.data).toMatchObject({ workflow_key: key, version: 1, user_id: user.id, status: 'running' });
    const again = await wf.trigger(key, body);
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.data.workflow_run_id).toBe(first.body.data.workflow_run_id);
    const other = await wf.trigger(key, { ...body, payload: { name: 'Bob' } });
    expect(other.status).toBe(409);
  });

  it('answers 404 for an unknown workflow or user, 400 without a recipient or request id', async () => {
    const key = await wf.define([send]);
    const user = await kit.createUser();
    expect((await wf.trigger('no-such-flow', { user_id: user.id })).status).toBe(404);
    expect((await wf.trigger(key, { user_id: randomUUID() })).status).toBe(404);
    expect((await wf.trigger(key, { external_id: 'nobody-has-this' })).status).toBe(404);
    expect((await wf.trigger(key, {})).status).toBe(400);
    const noId = await kit.request('POST', `/api/v1/workflows/${key}/trigger`, { auth: kit.sendKey, body: { user_id: user.id } });
    expect(noId.status).toBe(400);
    expect(noId.body.message).toContain('request_id');
  });

  it('a batch answers each trigger on its own (207)', async () => {
    const key = await wf.define([send]);
    const user = await kit.createUser();
    const res = await kit.request('POST', `/api/v1/workflows/${key}/trigger/batch`, {
      auth: kit.sendKey,
      body: {
        triggers: [
          { user_id: user.id, request_id: randomUUID(), payload: { name: 'A' } },
          { user_id: randomUUID(), request_id: randomUUID() },
        ],
      },
    });
    expect(res.status).toBe(207);
    expect(res.body.data).toMatchObject({ accepted: 1, rejected: 1 });
    expect(res.body.data.items.map((i: { status_code: number }) => i.status_code)).toEqual([202, 404]);
  });

  it('a run is seen and cancelled only by the key that triggered it (or an admin); a finished run cannot be cancelled', async () => {
    const key = await wf.define([{ type: 'delay', duration: 'PT1H' }, send]);
    const user = await kit.createUser();
    const run = (await wf.trigger(key, { user_id: user.id, payload: { name: 'A' } })).body.data;
    const other = (await kit.request('POST', '/api/v1/api-keys', { body: { name: 'other', scopes: ['send'] } })).body.data.key;
    expect((await kit.request('GET', `/api/v1/workflow-runs/${run.workflow_run_id}`, { auth: other })).status).toBe(404);
    expect((await kit.request('DELETE', `/api/v1/workflow-runs/${run.workflow_run_id}`, { auth: other })).status).toBe(404);
    await expect.poll(async () => (await wf.run(run.workflow_run_id)).steps[0].state).toBe('waiting');
    const cancelled = await kit.request('DELETE', `/api/v1/workflow-runs/${run.workflow_run_id}`, { auth: kit.sendKey });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data.status).toBe('cancelled');
    const seen = await wf.run(run.workflow_run_id, kit.adminKey);
    expect(seen.steps.map((s: { state: string }) => s.state)).toEqual(['dropped', 'pending']);
    expect((await kit.request('DELETE', `/api/v1/workflow-runs/${run.workflow_run_id}`, { auth: kit.sendKey })).status).toBe(409);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { openPlatform, type PlatformKit } from '../test-support/platform-kit.js';
import { startWebhookReceiver, type WebhookReceiver } from '../test-support/webhook-receiver.js';
import { workflowKit } from '../test-support/workflow-kit.js';

describe.each(testDatabases())('workflow_run.completed on $kind', (target) => {
  let kit: PlatformKit;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await startWebhookReceiver({ outageMs: 0 });
    kit = await openPlatform(target, { env: { WEBHOOK_LOCAL_HOSTS: '127.0.0.1' } });
    const hooked = await kit.request('POST', '/api/v1/webhooks', {
      body: { url: receiver.url, events: ['workflow_run.completed'] },
    });
    expect(hooked.status).toBe(201);
    receiver.secret = hooked.body.data.secret;
  });
  afterAll(async () => {
    await kit?.close();
    await receiver?.close();
  });

  const runEvents = (runId: string) =>
    receiver.received
      .map((r) => JSON.parse(r.body) as { type: string; data: { workflow_run_id: string; status: string } })
      .filter((e) => e.type === 'workflow_run.completed' && e.data.workflow_run_id === runId);

  it('a finished run raises one signed event with the run; a run merged into a digest raises none', async () => {
    const wf = workflowKit(kit);
    const key = await wf.define([
      { type: 'digest', window: 'PT1S', key: 'k' },
      { type: 'send', channel: 'email', template_code: 'kit_welcome' },
    ]);
    const user = await kit.createUser();
    const [first, second] = await Promise.all(
      [1, 2].map(async () => (await wf.trigger(key, { user_id: user.id, payload: { name: 'Ada' } })).body.data.workflow_run_id),
    );
    const runs = await Promise.all([wf.finished(first!), wf.finished(second!)]);
    const collector = runs.find((r) => r.status === 'completed')!;
    const merged = runs.find((r) => r.status === 'merged')!;
    await expect.poll(() => runEvents(collector.workflow_run_id).length, { timeout: 10_000 }).toBe(1);
    expect(runEvents(collector.workflow_run_id)[0]!.data).toMatchObject({
      status: 'completed',
      workflow_key: key,
      user_id: user.id,
    });
    expect(receiver.unverified).toEqual([]);
    expect(runEvents(merged.workflow_run_id)).toEqual([]);
  });
});

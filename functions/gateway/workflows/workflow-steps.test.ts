import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { INBOX_TEMPLATE, seedInboxTemplate } from '../test-support/inbox-kit.js';
import { openPlatform, type PlatformKit } from '../test-support/platform-kit.js';
import { workflowKit } from '../test-support/workflow-kit.js';

const email = { type: 'send', channel: 'email', template_code: 'kit_welcome' };
const inApp = { type: 'send', channel: 'in_app', template_code: INBOX_TEMPLATE };
const DIGEST_TEMPLATE = 'wf_digest';

type Step = { state: string; notification_id: string | null; detail: string | null; started_at: string; finished_at: string };

describe.each(testDatabases())('workflow steps on $kind', (target) => {
  let kit: PlatformKit;
  let wf: ReturnType<typeof workflowKit>;
  beforeAll(async () => {
    kit = await openPlatform(target);
    wf = workflowKit(kit);
    await seedInboxTemplate(kit);
    const digest = await kit.request('POST', '/api/v1/templates', {
      body: {
        template_code: DIGEST_TEMPLATE,
        channel: 'email',
        category: 'activity',
        default_language: 'en',
        content: { subject: '{{ events.size }} new comments', html: '<p>{% for e in events %}{{ e.comment }};{% endfor %}</p>' },
        variables: [{ name: 'events', required: true }],
      },
    });
    if (digest.status !== 201) throw new Error(JSON.stringify(digest.body));
  });
  afterAll(() => kit.close());

  /** Make a waiting run's step due now (a long delay ends), so a test decides when a condition is evaluated. */
  const fastForward = (runId: string) =>
    kit.infra.database.db.execute(sql`update workflow_runs set due_at = date_trunc('milliseconds', now()) where id = ${runId}`);

  it('a send step renders its template with the payload, a step may override a variable, and the run records the notification', async () => {
    const key = await wf.define([{ ...email, variables: { name: '{{ payload.first_name }} {{ payload.last_name }}' } }]);
    const user = await kit.createUser();
    const run = (
      await wf.trigger(key, { user_id: user.id, payload: { first_name: 'Ada', last_name: 'L', link: 'https://x.test' } })
    ).body.data;
    const done = await wf.finished(run.workflow_run_id);
    expect(done.status).toBe('completed');
    const [step] = done.steps as Step[];
    expect(step).toMatchObject({ state: 'completed', detail: 'pending' });
    const notification = await wf.notification(step!.notification_id!);
    expect(notification).toMatchObject({
      user_id: user.id,
      template_code: 'kit_welcome',
      variables: { name: 'Ada L', first_name: 'Ada', link: 'https://x.test' },
      metadata: { workflow_run_id: run.workflow_run_id, workflow_key: key, workflow_step: 0 },
    });
  });

  it('a delay holds the run for its duration, then the next step runs', async () => {
    const key = await wf.define([{ type: 'delay', duration: 'PT1S' }, email]);
    const user = await kit.createUser();
    const run = (await wf.trigger(key, { user_id: user.id, payload: { name: 'Ada' } })).body.data;
    const done = await wf.finished(run.workflow_run_id);
    const [delay, sent] = done.steps as Step[];
    expect(delay!.state).toBe('completed');
    expect(Date.parse(delay!.finished_at) - Date.parse(delay!.started_at)).toBeGreaterThanOrEqual(950);
    expect(sent!.state).toBe('completed');
    expect(Date.parse(sent!.started_at)).toBeGreaterThanOrEqual(Date.parse(delay!.finished_at) - 5);
  });

  it('if previous not_read: the email goes only when the in-app item was not read by the time the step is reached', async () => {
    const key = await wf.define([inApp, { type: 'delay', duration: 'PT1H' }, { ...email, if: { previous: 'not_read' } }]);
    const reader = await kit.createUser();
    const ignorer = await kit.createUser();
    const payload = { name: 'Ada', order: 'A-7' };
    const read = (await wf.trigger(key, { user_id: reader.id, payload })).body.data.workflow_run_id;
    const unread = (await wf.trigger(key, { user_id: ignorer.id, payload })).body.data.workflow_run_id;
    await expect.poll(async () => (await wf.run(read)).steps[1].state).toBe('waiting');
    await expect.poll(async () => (await wf.run(unread)).steps[1].state).toBe('waiting');
    // the reader reads the item in the inbox
    let itemId: string | undefined;
    await expect
      .poll(async () => {
        itemId = (await kit.request('GET', '/api/v1/inbox', { auth: reader.token })).body.data?.[0]?.id;
        return itemId;
      })
      .toBeDefined();
    expect((await kit.request('POST', `/api/v1/inbox/${itemId}/read`, { auth: reader.token })).status).toBe(200);
    await expect.poll(async () => (await wf.notification((await wf.run(read)).steps[0].notification_id)).status).toBe('read');
    await Promise.all([fastForward(read), fastForward(unread)]);
    const [afterRead, afterIgnore] = await Promise.all([wf.finished(read), wf.finished(unread)]);
    expect(afterRead.steps[2]).toMatchObject({ state: 'skipped', notification_id: null });
    expect(afterIgnore.steps[2].state).toBe('completed');
    expect((await wf.notification(afterIgnore.steps[2].notification_id)).notification_type).toBe('email');
  });

  it('if previous failed / not_delivered: evaluated against the send before it (an email still pending)', async () => {
    const key = await wf.define([
      email,
      { ...inApp, if: { previous: 'failed' } },
      { ...inApp, if: { previous: 'not_delivered' } },
    ]);
    const user = await kit.createUser();
    const run = (await wf.trigger(key, { user_id: user.id, payload: { name: 'Ada' } })).body.data.workflow_run_id;
    const done = await wf.finished(run);
    // no email worker runs in this suite: the email is not delivered, and has not failed
    expect((done.steps as Step[]).map((s) => s.state)).toEqual(['completed', 'skipped', 'completed']);
  });

  it('a digest collects every trigger for the same user and rendered key into one run and one send', async () => {
    const key = await wf.define([
      { type: 'digest', window: 'PT2S', key: '{{ payload.thread_id }}' },
      { type: 'send', channel: 'email', template_code: DIGEST_TEMPLATE },
    ]);
    const user = await kit.createUser();
    const threads = ['t-1', 't-2'];
    const answers = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        wf.trigger(key, { user_id: user.id, payload: { thread_id: threads[i % 2], comment: `c${i}` } }),
      ),
    );
    expect(answers.every((a) => a.status === 202)).toBe(true);
    const runs = await Promise.all(answers.map((a) => wf.finished(a.body.data.workflow_run_id)));
    const collectors = runs.filter((r) => r.status === 'completed');
    expect(collectors).toHaveLength(2);
    expect(runs.filter((r) => r.status === 'merged')).toHaveLength(22);
    for (const merged of runs.filter((r) => r.status === 'merged')) {
      expect(collectors.map((c) => c.workflow_run_id)).toContain(merged.merged_into);
    }
    for (const collector of collectors) {
      expect(collector.steps[0]).toMatchObject({ state: 'completed', detail: '12 collected' });
      const digest = await wf.notification(collector.steps[1].notification_id);
      const events = digest.variables.events as Array<{ thread_id: string; comment: string }>;
      expect(events).toHaveLength(12);
      expect(new Set(events.map((e) => e.thread_id)).size).toBe(1);
    }
    // one digest per thread
    expect(new Set(collectors.map((c) => c.steps[1].notification_id)).size).toBe(2);
  });

  it('a digest key of any length works, and triggers of two API keys never share a digest (nor its payloads)', async () => {
    const key = await wf.define([
      { type: 'digest', window: 'PT1H', key: '{{ payload.k }}' },
      { type: 'send', channel: 'email', template_code: DIGEST_TEMPLATE },
    ]);
    const user = await kit.createUser();
    const long = 'x'.repeat(6000) + Math.random().toString(36);
    const other = (await kit.request('POST', '/api/v1/api-keys', { body: { name: 'other sender', scopes: ['send'] } })).body.data
      .key;
    const mine = [
      await wf.trigger(key, { user_id: user.id, payload: { k: long, comment: 'a' } }),
      await wf.trigger(key, { user_id: user.id, payload: { k: long, comment: 'b' } }),
    ].map((r) => r.body.data.workflow_run_id);
    const theirs = (await wf.trigger(key, { user_id: user.id, payload: { k: long, comment: 'c' } }, other)).body.data
      .workflow_run_id;
    await expect.poll(async () => (await wf.run(mine[1])).status).toBe('merged');
    expect((await wf.run(mine[1])).merged_into).toBe(mine[0]);
    await expect.poll(async () => (await wf.run(theirs, other)).steps[0].state).toBe('waiting');
    expect((await wf.run(theirs, other)).status).toBe('running');
    // the window ends now
    await Promise.all([fastForward(mine[0]), fastForward(theirs)]);
    const [collected, separate] = await Promise.all([wf.finished(mine[0]), wf.finished(theirs, other)]);
    const events = async (run: { steps: Step[] }) =>
      ((await wf.notification(run.steps[1]!.notification_id!)).variables.events as Array<{ comment: string }>).map(
        (e) => e.comment,
      );
    expect(await events(collected)).toEqual(['a', 'b']);
    expect(await events(separate)).toEqual(['c']);
  });

  it('a throttle lets `limit` runs per window through; on_excess drop ends the others, defer holds them until a slot frees', async () => {
    const drop = await wf.define([{ type: 'throttle', limit: 2, window: 'P1D', on_excess: 'drop' }, email]);
    const defer = await wf.define([{ type: 'throttle', limit: 1, window: 'PT1H', on_excess: 'defer' }, email]);
    const user = await kit.createUser();
    const payload = { name: 'Ada' };
    const dropped: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = (await wf.trigger(drop, { user_id: user.id, payload })).body.data.workflow_run_id;
      dropped.push((await wf.finished(id)).status);
    }
    expect(dropped).toEqual(['completed', 'completed', 'dropped']);
    const first = (await wf.trigger(defer, { user_id: user.id, payload })).body.data.workflow_run_id;
    expect((await wf.finished(first)).status).toBe('completed');
    const second = (await wf.trigger(defer, { user_id: user.id, payload })).body.data.workflow_run_id;
    await expect.poll(async () => (await wf.run(second)).steps[0].state).toBe('waiting');
    const held = await wf.run(second);
    expect(held.status).toBe('running');
    expect(held.steps[0].detail).toContain('deferred');
    expect(Date.parse(held.steps[0].wait_until) - Date.now()).toBeGreaterThan(50 * 60_000);
    // another user has a throttle of their own
    const other = await kit.createUser();
    const theirs = (await wf.trigger(defer, { user_id: other.id, payload })).body.data.workflow_run_id;
    expect((await wf.finished(theirs)).status).toBe('completed');
  });

  it("a workflow's send inside the recipient's quiet hours is held (deferred), not dropped", async () => {
    const key = await wf.define([email]);
    const hour = new Date().getUTCHours();
    const at = (h: number) => `${String((h + 24) % 24).padStart(2, '0')}:00`;
    const user = await kit.createUser({
      preferences: { timezone: 'UTC', quiet_hours: { start: at(hour - 1), end: at(hour + 2) } },
    });
    const run = (await wf.trigger(key, { user_id: user.id, payload: { name: 'Ada' } })).body.data.workflow_run_id;
    const done = await wf.finished(run);
    expect(done.steps[0]).toMatchObject({ state: 'completed', detail: 'deferred (quiet_hours)' });
    expect((await wf.notification(done.steps[0].notification_id)).status).toBe('deferred');
  });
});

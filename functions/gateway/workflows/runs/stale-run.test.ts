import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../../../shared/db/bulk-insert.js';
import { testDatabases } from '../../../../shared/test-support/test-databases.js';
import { createNotificationStore } from '../../notification-store.js';
import { openPlatform, type PlatformKit } from '../../test-support/platform-kit.js';
import { workflowKit } from '../../test-support/workflow-kit.js';
import { createWorkflowStore } from '../definitions/workflow-store.js';
import { createRunEngine } from '../steps/run-engine.js';
import { createRunStore, type RunRow } from './run-store.js';

/**
 * A worker whose lease ran out while it still held a run (a slow round)
 * must not take a step another worker took meanwhile: a delay begun by the
 * other stays begun, its send is not made early.
 */
describe.each(testDatabases())('a stale copy of a run on $kind', (target) => {
  let kit: PlatformKit;
  beforeAll(async () => {
    kit = await openPlatform(target);
  });
  afterAll(() => kit.close());

  it('takes nothing once another worker moved the run into a wait', async () => {
    const wf = workflowKit(kit);
    const key = await wf.define([
      { type: 'delay', duration: 'PT1H' },
      { type: 'send', channel: 'email', template_code: 'kit_welcome' },
    ]);
    const user = await kit.createUser();
    const id = (await wf.trigger(key, { user_id: user.id, payload: { name: 'Ada' } })).body.data.workflow_run_id;
    // the gateway's worker begins the delay
    await expect.poll(async () => (await wf.run(id)).steps[0].state).toBe('waiting');

    const db = kit.infra.database.db;
    const runs = createRunStore(db);
    const sends: unknown[] = [];
    const engine = createRunEngine({
      runs,
      stepsOf: createWorkflowStore(db).stepsOf,
      send: async (_key, request) => {
        sends.push(request);
        throw new Error('a stale worker must not send');
      },
      notifications: createNotificationStore(db),
      logger: kit.infra.logger,
    });
    const waiting = (await runs.find(id))!;
    // what a worker that leased the run before the delay began still holds: due then, at step 0
    const stale: RunRow = { ...waiting, dueAt: new Date(waiting.dueAt.getTime() - 3_600_000) };
    expect(await engine.advance(stale)).toBeNull();
    expect(sends).toEqual([]);
    const after = await wf.run(id);
    expect(after).toMatchObject({ status: 'running', step_index: 0 });
    expect(after.steps.map((s: { state: string }) => s.state)).toEqual(['waiting', 'pending']);
    const [row] = rowsOf<{ n: number }>(
      await db.execute(sql`select count(*)::int as n from notifications where request_id like ${`workflow:${id}:%`}`),
    );
    expect(row!.n).toBe(0);
  });
});

// @requires DATABASE_URL
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../../shared/db/bulk-insert.js';
import type { RunningFunction } from '../../../shared/runtime/function-module.js';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { gatewayFunction } from '../function.js';
import { openPlatform, type PlatformKit } from '../test-support/platform-kit.js';
import { workflowKit } from '../test-support/workflow-kit.js';

const TRIGGERS = 500;
const CONNECTIONS = 10;

// two gateways (two workers) on one database: a real Postgres serves them concurrently (PGlite has one connection)
const postgres = testDatabases().filter((t) => t.kind === 'postgres');

describe.each(postgres)('digest exactness on $kind', (target) => {
  let kit: PlatformKit;
  let second: RunningFunction;
  beforeAll(async () => {
    kit = await openPlatform(target);
    // a second gateway on the same database: its workflow worker competes for the same runs
    second = await gatewayFunction.create(kit.infra, kit.peers);
    await second.start?.();
  });
  afterAll(async () => {
    await second?.stop?.();
    await kit?.close();
  });

  it(`${TRIGGERS} triggers for one user and key from ${CONNECTIONS} connections, two workers: exactly one digest listing all`, async () => {
    const wf = workflowKit(kit);
    await kit.request('POST', '/api/v1/templates', {
      body: {
        template_code: 'wf_exact_digest',
        channel: 'email',
        category: 'activity',
        default_language: 'en',
        content: { subject: '{{ events.size }} comments', html: '<p>{% for e in events %}{{ e.n }},{% endfor %}</p>' },
        variables: [{ name: 'events', required: true }],
      },
    });
    const key = await wf.define([
      { type: 'digest', window: 'PT1H', key: 'thread-{{ payload.thread }}' },
      { type: 'send', channel: 'email', template_code: 'wf_exact_digest' },
    ]);
    const user = await kit.createUser();
    const started = Date.now();
    let next = 0;
    const runIds: string[] = [];
    // each connection sends its share one after the other, through either gateway
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async (_, c) => {
        const gateway = c % 2 === 0 ? kit.gateway : second;
        while (next < TRIGGERS) {
          const n = next++;
          const res = await gateway.app.request(`/api/v1/workflows/${key}/trigger`, {
            method: 'POST',
            headers: { authorization: `Bearer ${kit.sendKey}`, 'content-type': 'application/json' },
            body: JSON.stringify({ user_id: user.id, request_id: `exact-${n}`, payload: { thread: 'x', n } }),
          });
          expect(res.status).toBe(202);
          runIds.push(((await res.json()) as { data: { workflow_run_id: string } }).data.workflow_run_id);
        }
      }),
    );
    expect(new Set(runIds).size).toBe(TRIGGERS);
    const triggeredMs = Date.now() - started;
    console.info(`${TRIGGERS} triggers in ${triggeredMs} ms`);

    const db = kit.infra.database.db;
    const states = async () =>
      Object.fromEntries(
        rowsOf<{ state: string; n: number }>(
          await db.execute(sql`select state, count(*)::int as n from workflow_runs where workflow_key = ${key} group by state`),
        ).map((r) => [r.state, r.n]),
      );
    // every trigger is in while the window is open (an hour): all but one joined, the one collects
    await expect.poll(states, { timeout: 60_000, interval: 250 }).toEqual({ running: 1, merged: TRIGGERS - 1 });
    // the window ends now rather than in an hour
    await db.execute(sql`update workflow_runs set due_at = now() where workflow_key = ${key} and state = 'running'`);
    await expect.poll(states, { timeout: 30_000, interval: 250 }).toEqual({ completed: 1, merged: TRIGGERS - 1 });

    const sent = rowsOf<{ id: string; variables: { events: Array<{ n: number }> } }>(
      await db.execute(sql`select id, variables from notifications where metadata->>'workflow_key' = ${key}`),
    );
    expect(sent).toHaveLength(1);
    const listed = sent[0]!.variables.events.map((e) => e.n).sort((a, b) => a - b);
    expect(listed).toEqual(Array.from({ length: TRIGGERS }, (_, i) => i));
  }, 180_000);
});

import { and, asc, count, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../../../shared/db/create-db.js';
import { type RunState, workflowRunSteps, workflowRuns } from '../workflow-schema.js';
import type { RunRow, RunStepRow } from './run-store.js';

export interface RunFilter {
  state?: RunState | undefined;
  workflowKey?: string | undefined;
}

/**
 * The operator's read over workflow runs (the dashboard's panel): every key's
 * runs, newest first, and the step records of a page of them in one query.
 * Apart from {@link RunStore}, which moves runs; this only reads.
 */
export function createRunListing(db: Db) {
  return {
    async list(filter: RunFilter, offset: number, limit: number): Promise<{ rows: RunRow[]; total: number }> {
      const where = and(
        filter.state ? eq(workflowRuns.state, filter.state) : undefined,
        filter.workflowKey ? eq(workflowRuns.workflowKey, filter.workflowKey) : undefined,
      );
      const [rows, [total]] = await Promise.all([
        db
          .select()
          .from(workflowRuns)
          .where(where)
          .orderBy(desc(workflowRuns.createdAt), desc(workflowRuns.id))
          .offset(offset)
          .limit(limit),
        db.select({ n: count() }).from(workflowRuns).where(where),
      ]);
      return { rows, total: total!.n };
    },

    /** The step records of these runs, grouped by run, in step order. */
    async stepsOf(runIds: readonly string[]): Promise<Map<string, RunStepRow[]>> {
      const byRun = new Map<string, RunStepRow[]>(runIds.map((id) => [id, []]));
      if (runIds.length === 0) return byRun;
      const rows = await db
        .select()
        .from(workflowRunSteps)
        .where(inArray(workflowRunSteps.runId, [...runIds]))
        .orderBy(asc(workflowRunSteps.runId), asc(workflowRunSteps.stepIndex));
      for (const row of rows) byRun.get(row.runId)?.push(row);
      return byRun;
    },
  };
}

export type RunListing = ReturnType<typeof createRunListing>;

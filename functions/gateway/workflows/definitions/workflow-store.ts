import { and, asc, count, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../../../shared/db/create-db.js';
import { isUniqueViolation } from '../../../../shared/db/db-errors.js';
import { ConflictError } from '../../../../shared/errors.js';
import { workflows, workflowVersions } from '../workflow-schema.js';
import type { WorkflowStep } from './workflow.schemas.js';

export type WorkflowRow = typeof workflows.$inferSelect;
export type WorkflowVersionRow = typeof workflowVersions.$inferSelect;
/** A workflow with the steps of one of its versions. */
export interface WorkflowWithVersion {
  workflow: WorkflowRow;
  version: WorkflowVersionRow;
}

/**
 * Data access for workflow definitions: versions are immutable (a change is
 * a new version); a trigger runs the active one.
 */
export function createWorkflowStore(db: Db) {
  async function withVersion(workflow: WorkflowRow | undefined, version?: number): Promise<WorkflowWithVersion | null> {
    if (!workflow) return null;
    const [row] = await db
      .select()
      .from(workflowVersions)
      .where(and(eq(workflowVersions.workflowId, workflow.id), eq(workflowVersions.version, version ?? workflow.activeVersion)));
    return row ? { workflow, version: row } : null;
  }

  return {
    /** A new workflow with its version 1, active; 409 when the key is taken. */
    async create(input: { workflowKey: string; name: string; steps: WorkflowStep[] }): Promise<WorkflowWithVersion> {
      try {
        return await db.transaction(async (tx) => {
          const [workflow] = await tx
            .insert(workflows)
            .values({ workflowKey: input.workflowKey, name: input.name, activeVersion: 1 })
            .returning();
          const [version] = await tx
            .insert(workflowVersions)
            .values({ workflowId: workflow!.id, version: 1, steps: input.steps })
            .returning();
          return { workflow: workflow!, version: version! };
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw new ConflictError(`Workflow ${input.workflowKey} already exists`);
        throw err;
      }
    },

    /** The next version (not active until activated); null when there is no such workflow. */
    async addVersion(
      key: string,
      input: { steps: WorkflowStep[]; name?: string | undefined },
    ): Promise<WorkflowWithVersion | null> {
      return db.transaction(async (tx) => {
        const [workflow] = await tx.select().from(workflows).where(eq(workflows.workflowKey, key)).for('update');
        if (!workflow) return null;
        const [last] = await tx
          .select({ version: sql<number>`max(${workflowVersions.version})`.mapWith(Number) })
          .from(workflowVersions)
          .where(eq(workflowVersions.workflowId, workflow.id));
        const [version] = await tx
          .insert(workflowVersions)
          .values({ workflowId: workflow.id, version: (last?.version ?? 0) + 1, steps: input.steps })
          .returning();
        const [updated] = input.name
          ? await tx
              .update(workflows)
              .set({ name: input.name, updatedAt: sql`now()` })
              .where(eq(workflows.id, workflow.id))
              .returning()
          : [workflow];
        return { workflow: updated!, version: version! };
      });
    },

    /** Make `version` the one triggers run; null when the workflow or the version does not exist. */
    async activate(key: string, version: number): Promise<WorkflowWithVersion | null> {
      const [workflow] = await db
        .update(workflows)
        .set({ activeVersion: version, updatedAt: sql`now()` })
        .where(
          and(
            eq(workflows.workflowKey, key),
            sql`exists (select 1 from ${workflowVersions} v where v.workflow_id = ${workflows.id} and v.version = ${version})`,
          ),
        )
        .returning();
      return withVersion(workflow);
    },

    /** The steps of one version (by workflow id: what a run names), or null. */
    async stepsOf(workflowId: string, version: number): Promise<WorkflowStep[] | null> {
      const [row] = await db
        .select({ steps: workflowVersions.steps })
        .from(workflowVersions)
        .where(and(eq(workflowVersions.workflowId, workflowId), eq(workflowVersions.version, version)));
      return row?.steps ?? null;
    },

    /** The workflow with its active version (or the version asked for). */
    async find(key: string, version?: number): Promise<WorkflowWithVersion | null> {
      const [workflow] = await db.select().from(workflows).where(eq(workflows.workflowKey, key));
      return withVersion(workflow, version);
    },

    async list(offset: number, limit: number): Promise<{ rows: WorkflowWithVersion[]; total: number }> {
      const [page, [total]] = await Promise.all([
        db
          .select({ workflow: workflows, version: workflowVersions })
          .from(workflows)
          .innerJoin(
            workflowVersions,
            and(eq(workflowVersions.workflowId, workflows.id), eq(workflowVersions.version, workflows.activeVersion)),
          )
          .orderBy(asc(workflows.workflowKey))
          .offset(offset)
          .limit(limit),
        db.select({ n: count() }).from(workflows),
      ]);
      return { rows: page, total: total?.n ?? 0 };
    },

    async versions(key: string): Promise<{ workflow: WorkflowRow; versions: WorkflowVersionRow[] } | null> {
      const [workflow] = await db.select().from(workflows).where(eq(workflows.workflowKey, key));
      if (!workflow) return null;
      const versions = await db
        .select()
        .from(workflowVersions)
        .where(eq(workflowVersions.workflowId, workflow.id))
        .orderBy(desc(workflowVersions.version));
      return { workflow, versions };
    },
  };
}

export type WorkflowStore = ReturnType<typeof createWorkflowStore>;

import { createHash } from 'node:crypto';
import { and, asc, eq, isNull, lte, or, sql } from 'drizzle-orm';
import { rowsOf } from '../../../../shared/db/bulk-insert.js';
import type { Db } from '../../../../shared/db/create-db.js';
import { announceRunFinishedIn } from '../../webhooks/run-finished-event.js';
import {
  type RunRow,
  type RunState,
  type RunStepRow,
  workflowDigestEvents,
  workflowDigests,
  workflowRunSteps,
  workflowRuns,
  workflowThrottlePasses,
} from '../workflow-schema.js';

export type { RunRow, RunStepRow } from '../workflow-schema.js';
export type NewRun = typeof workflowRuns.$inferInsert;
type StepState = RunStepRow['state'];

/** What one step did, recorded with the run's move. */
export interface StepRecord {
  state: StepState;
  notificationId?: string | null;
  detail?: string | null;
  waitUntil?: Date | null;
}

/** Where the run goes after a step: the next step (due when), stay on this one until `dueAt`, or finish. */
export type RunMove =
  | { kind: 'next'; dueAt: Date; events?: Array<Record<string, unknown>> }
  | { kind: 'wait'; dueAt: Date }
  | { kind: 'finish'; state: Exclude<RunState, 'running'>; error?: string; mergedInto?: string };

/** A transaction on a run held at one step (its row locked): what the step may do besides the move. */
export interface StepTx {
  tx: Db;
  run: RunRow;
  /** This step's record as it stands (a step taken before, e.g. a delay waiting), or null. */
  record: RunStepRow | null;
}

/**
 * Data access for workflow runs. Every step is one transaction that locks
 * the run while it is still at that step and running
 * ({@link RunStore.takeStep}): two workers (or a worker and a cancel) never
 * both move a run, so each step happens once.
 */
/**
 * The run still where `run` saw it: running, at its step, due when it was
 * due. A wait (a delay begun, a digest opened) moves `due_at` and keeps the
 * step, so a worker holding the run from before the wait (its lease ran out
 * and another took it) no longer matches and takes nothing.
 */
const stillAt = (run: RunRow) =>
  and(
    eq(workflowRuns.id, run.id),
    eq(workflowRuns.state, 'running'),
    eq(workflowRuns.stepIndex, run.stepIndex),
    sql`date_trunc('milliseconds', ${workflowRuns.dueAt}) = ${run.dueAt.toISOString()}::timestamptz`,
  );

/** What a digest is keyed by: the rendered key hashed, so any length fits the unique index. */
const digestKeyOf = (key: string) => createHash('sha256').update(key).digest('base64url');

export function createRunStore(db: Db) {
  const stepRecord = async (tx: Db, runId: string, stepIndex: number) => {
    const [row] = await tx
      .select()
      .from(workflowRunSteps)
      .where(and(eq(workflowRunSteps.runId, runId), eq(workflowRunSteps.stepIndex, stepIndex)));
    return row ?? null;
  };

  async function writeRecord(tx: Db, run: RunRow, record: StepRecord): Promise<void> {
    const finished = record.state === 'waiting' ? null : sql`now()`;
    const values = {
      runId: run.id,
      stepIndex: run.stepIndex,
      state: record.state,
      notificationId: record.notificationId ?? null,
      detail: record.detail ?? null,
      waitUntil: record.waitUntil ?? null,
    };
    await tx
      .insert(workflowRunSteps)
      .values({ ...values, finishedAt: finished })
      .onConflictDoUpdate({
        target: [workflowRunSteps.runId, workflowRunSteps.stepIndex],
        set: {
          state: values.state,
          notificationId: sql`coalesce(${values.notificationId}::uuid, ${workflowRunSteps.notificationId})`,
          detail: values.detail,
          waitUntil: values.waitUntil,
          finishedAt: finished,
        },
      });
  }

  async function applyMove(tx: Db, run: RunRow, move: RunMove): Promise<RunRow> {
    const base = { updatedAt: sql`now()` };
    const set =
      move.kind === 'next'
        ? { ...base, stepIndex: run.stepIndex + 1, dueAt: move.dueAt, ...(move.events && { events: move.events }) }
        : move.kind === 'wait'
          ? { ...base, dueAt: move.dueAt }
          : {
              ...base,
              state: move.state,
              error: move.error ?? null,
              mergedInto: move.mergedInto ?? null,
              completedAt: sql`now()`,
              leasedUntil: null,
            };
    const [row] = await tx.update(workflowRuns).set(set).where(eq(workflowRuns.id, run.id)).returning();
    if (move.kind === 'finish') await announceRunFinishedIn(tx, row!);
    return row!;
  }

  return {
    /** The new run, or null when this key already used the request id. */
    async insert(row: NewRun): Promise<RunRow | null> {
      const [inserted] = await db.insert(workflowRuns).values(row).onConflictDoNothing().returning();
      return inserted ?? null;
    },

    async findByRequestId(apiKeyId: string, requestId: string): Promise<RunRow | null> {
      const [row] = await db
        .select()
        .from(workflowRuns)
        .where(and(eq(workflowRuns.apiKeyId, apiKeyId), eq(workflowRuns.requestId, requestId)));
      return row ?? null;
    },

    async find(id: string): Promise<RunRow | null> {
      const [row] = await db.select().from(workflowRuns).where(eq(workflowRuns.id, id));
      return row ?? null;
    },

    async steps(runId: string): Promise<RunStepRow[]> {
      return db.select().from(workflowRunSteps).where(eq(workflowRunSteps.runId, runId)).orderBy(asc(workflowRunSteps.stepIndex));
    },

    /** The step records of a run before `stepIndex`, for `if` conditions. */
    stepRecord: (runId: string, stepIndex: number) => stepRecord(db, runId, stepIndex),

    /**
     * Lease up to `limit` running runs whose next step is due and that no
     * other worker holds (`FOR UPDATE SKIP LOCKED`, then `leased_until`).
     */
    async lease(limit: number, leaseMs: number): Promise<RunRow[]> {
      const due = db
        .select({ id: workflowRuns.id })
        .from(workflowRuns)
        .where(
          and(
            eq(workflowRuns.state, 'running'),
            lte(workflowRuns.dueAt, sql`now()`),
            or(isNull(workflowRuns.leasedUntil), lte(workflowRuns.leasedUntil, sql`now()`)),
          ),
        )
        .orderBy(asc(workflowRuns.dueAt))
        .limit(limit)
        .for('update', { skipLocked: true });
      return db
        .update(workflowRuns)
        .set({ leasedUntil: sql`now() + ${`${leaseMs} milliseconds`}::interval` })
        .where(sql`${workflowRuns.id} in (${due})`)
        .returning();
    },

    /**
     * Milliseconds until the next running run falls due, or null when none
     * is due later (runs due now that no worker could lease are held by
     * another worker, or wait for its lease to end: the idle poll finds them).
     * One step down the due index.
     */
    async nextDueInMs(): Promise<number | null> {
      const result = await db.execute(sql`
        select extract(epoch from (due_at - now())) * 1000 as ms from workflow_runs
        where state = 'running' and due_at > now() order by due_at limit 1`);
      const ms = rowsOf<{ ms: number | string }>(result)[0]?.ms;
      return ms === undefined ? null : Number(ms);
    },

    /** Give a leased run back (a worker stopping, or a step that failed and is to be tried again). */
    async release(runId: string): Promise<void> {
      await db.update(workflowRuns).set({ leasedUntil: null }).where(eq(workflowRuns.id, runId));
    },

    /**
     * Take the step `run` is at, once: lock the run while it is still
     * running at that step, let `step` do its work in the transaction and
     * say where the run goes, record the step and move the run. Null when
     * the run moved on or finished meanwhile (another worker, a cancel).
     */
    async takeStep(run: RunRow, step: (held: StepTx) => Promise<{ record: StepRecord; move: RunMove }>): Promise<RunRow | null> {
      return db.transaction(async (tx) => {
        const [held] = await tx.select().from(workflowRuns).where(stillAt(run)).for('update');
        if (!held) return null;
        const { record, move } = await step({ tx, run: held, record: await stepRecord(tx, held.id, held.stepIndex) });
        await writeRecord(tx, held, record);
        return applyMove(tx, held, move);
      });
    },

    /** Finish a run that has no step left (its last step moved it past the end), or fail it with `error`. */
    async complete(run: RunRow, error: string | null = null): Promise<RunRow | null> {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .update(workflowRuns)
          .set({
            state: error ? 'failed' : 'completed',
            error,
            completedAt: sql`now()`,
            updatedAt: sql`now()`,
            leasedUntil: null,
          })
          .where(stillAt(run))
          .returning();
        // the webhook event commits with the run's end
        if (row) await announceRunFinishedIn(tx, row);
        return row ?? null;
      });
    },

    /** Hold a run at its step until `dueAt` (a send refused by a rate limit), giving its lease back. */
    async postpone(run: RunRow, dueAt: Date): Promise<RunRow | null> {
      const [row] = await db
        .update(workflowRuns)
        .set({ dueAt, leasedUntil: null, updatedAt: sql`now()` })
        .where(stillAt(run))
        .returning();
      return row ?? null;
    },

    /** Cancel a run that has not finished; null when it has (or does not exist). */
    async cancel(runId: string): Promise<RunRow | null> {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .update(workflowRuns)
          .set({ state: 'cancelled', completedAt: sql`now()`, updatedAt: sql`now()`, leasedUntil: null })
          .where(and(eq(workflowRuns.id, runId), eq(workflowRuns.state, 'running')))
          .returning();
        if (!row) return null;
        // an open digest of this run closes with it: later triggers start a new one
        await tx.delete(workflowDigests).where(eq(workflowDigests.runId, runId));
        await tx
          .update(workflowRunSteps)
          .set({ state: 'dropped', detail: 'run cancelled', finishedAt: sql`now()` })
          .where(and(eq(workflowRunSteps.runId, runId), eq(workflowRunSteps.state, 'waiting')));
        return row;
      });
    },

    /**
     * Join the open digest for this run's user, workflow version, API key, step and `key`, or
     * open it with this run as its collector (closing at `closesAt`). The
     * unique index decides between concurrent joiners: exactly one opens it.
     * Returns the collecting run's id.
     */
    async joinDigest(tx: Db, run: RunRow, key: string, closesAt: Date): Promise<string> {
      const [digest] = await tx
        .insert(workflowDigests)
        .values({
          runId: run.id,
          workflowId: run.workflowId,
          version: run.version,
          apiKeyId: run.apiKeyId,
          userId: run.userId,
          stepIndex: run.stepIndex,
          digestKey: digestKeyOf(key),
          closesAt,
        })
        .onConflictDoUpdate({
          target: [
            workflowDigests.workflowId,
            workflowDigests.version,
            workflowDigests.apiKeyId,
            workflowDigests.userId,
            workflowDigests.stepIndex,
            workflowDigests.digestKey,
          ],
          set: { joined: sql`${workflowDigests.joined} + 1` },
        })
        .returning({ runId: workflowDigests.runId, closesAt: workflowDigests.closesAt });
      await tx
        .insert(workflowDigestEvents)
        .values({ digestRunId: digest!.runId, fromRunId: run.id, payload: run.payload })
        .onConflictDoNothing();
      return digest!.runId;
    },

    /**
     * Close the digest `runId` collects: after this no trigger joins it (the
     * next one opens a new digest), and the payloads it collected, in the
     * order they joined, are returned.
     */
    async closeDigest(tx: Db, runId: string): Promise<Array<Record<string, unknown>>> {
      // the delete waits for joiners holding the row, so every payload that joined is read below
      await tx.delete(workflowDigests).where(eq(workflowDigests.runId, runId));
      // the payloads move to the run (its `events`): their rows go
      const rows = await tx
        .delete(workflowDigestEvents)
        .where(eq(workflowDigestEvents.digestRunId, runId))
        .returning({ id: workflowDigestEvents.id, payload: workflowDigestEvents.payload });
      return rows.sort((a, b) => a.id - b.id).map((r) => r.payload);
    },

    /**
     * Let the run pass a throttle of `limit` per `windowMs` (for its user,
     * workflow and step), or say when a slot frees up. Serialized per user
     * and step with a transaction-scoped advisory lock, so concurrent runs
     * cannot both take the last slot.
     */
    async passThrottle(
      tx: Db,
      run: RunRow,
      limit: number,
      windowMs: number,
    ): Promise<{ passed: true } | { passed: false; freeAt: Date }> {
      const scope = `${run.workflowId}:${run.userId}:${run.stepIndex}`;
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`workflow-throttle:${scope}`}))`);
      const since = sql`now() - ${`${windowMs} milliseconds`}::interval`;
      const window = and(
        eq(workflowThrottlePasses.workflowId, run.workflowId),
        eq(workflowThrottlePasses.userId, run.userId),
        eq(workflowThrottlePasses.stepIndex, run.stepIndex),
        sql`${workflowThrottlePasses.passedAt} > ${since}`,
      );
      // passes that left the window count no more
      await tx
        .delete(workflowThrottlePasses)
        .where(
          and(
            eq(workflowThrottlePasses.workflowId, run.workflowId),
            eq(workflowThrottlePasses.userId, run.userId),
            eq(workflowThrottlePasses.stepIndex, run.stepIndex),
            sql`${workflowThrottlePasses.passedAt} <= ${since}`,
          ),
        );
      const [counted] = await tx
        .select({ n: sql<number>`count(*)`.mapWith(Number) })
        .from(workflowThrottlePasses)
        .where(window);
      const passes = counted?.n ?? 0;
      if (passes < limit) {
        await tx
          .insert(workflowThrottlePasses)
          .values({ workflowId: run.workflowId, userId: run.userId, stepIndex: run.stepIndex, runId: run.id })
          .onConflictDoNothing();
        return { passed: true };
      }
      // a slot frees when pass number `passes - limit` (oldest first) leaves the window
      const [freeing] = await tx
        .select({ passedAt: workflowThrottlePasses.passedAt })
        .from(workflowThrottlePasses)
        .where(window)
        .orderBy(asc(workflowThrottlePasses.passedAt))
        .offset(passes - limit)
        .limit(1);
      return { passed: false, freeAt: new Date(freeing!.passedAt.getTime() + windowMs) };
    },
  };
}

export type RunStore = ReturnType<typeof createRunStore>;

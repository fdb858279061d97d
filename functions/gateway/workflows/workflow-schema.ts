import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { WorkflowStep } from './definitions/workflow.schemas.js';

/**
 * The gateway's workflow tables: definitions and their immutable versions,
 * runs (one per trigger, or one per digest), what each step of a run did,
 * and the rows that make digests and throttles exact under concurrency.
 */

export const workflows = pgTable('workflows', {
  id: uuid('id').primaryKey().defaultRandom(),
  workflowKey: text('workflow_key').notNull().unique(),
  name: text('name').notNull(),
  /** The version a trigger runs. */
  activeVersion: integer('active_version').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const workflowVersions = pgTable(
  'workflow_versions',
  {
    workflowId: uuid('workflow_id')
      .notNull()
      .references(() => workflows.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    steps: jsonb('steps').$type<WorkflowStep[]>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workflowId, t.version] })],
);

/** Where a run is: `running` (its next step is due at `due_at`), or finished one way or another. */
export type RunState = 'running' | 'completed' | 'cancelled' | 'failed' | 'merged' | 'dropped';

export const workflowRuns = pgTable(
  'workflow_runs',
  {
    id: uuid('id').primaryKey(),
    workflowId: uuid('workflow_id').notNull(),
    workflowKey: text('workflow_key').notNull(),
    version: integer('version').notNull(),
    /** The API key that triggered it: idempotency and visibility are per key, and its sends are this key's. */
    apiKeyId: text('api_key_id').notNull(),
    requestId: text('request_id').notNull(),
    requestHash: text('request_hash').notNull(),
    userId: uuid('user_id').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    correlationId: text('correlation_id').notNull(),
    state: text('state').$type<RunState>().notNull(),
    /** The next step to take (index into the version's steps). */
    stepIndex: integer('step_index').notNull().default(0),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    leasedUntil: timestamp('leased_until', { withTimezone: true }),
    /** The payloads a digest step collected (this run's and those that joined it), once its window closed. */
    events: jsonb('events').$type<Array<Record<string, unknown>>>(),
    /** For a run that joined another run's digest: that run. */
    mergedInto: uuid('merged_into'),
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('workflow_runs_api_key_request_key').on(t.apiKeyId, t.requestId),
    // what the workers poll: runs whose next step is due
    index('workflow_runs_due_idx').on(t.dueAt).where(sql`${t.state} = 'running'`),
    // the operators' listing, newest first
    index('workflow_runs_created_idx').on(t.createdAt),
  ],
);

/** What one step of a run did (a step taken again, a deferred throttle, updates its row). */
export const workflowRunSteps = pgTable(
  'workflow_run_steps',
  {
    runId: uuid('run_id')
      .notNull()
      .references(() => workflowRuns.id, { onDelete: 'cascade' }),
    stepIndex: integer('step_index').notNull(),
    state: text('state').$type<'waiting' | 'completed' | 'skipped' | 'dropped' | 'failed' | 'merged'>().notNull(),
    notificationId: uuid('notification_id'),
    detail: text('detail'),
    /** Until when the step holds the run (a delay, a digest window, a deferral). */
    waitUntil: timestamp('wait_until', { withTimezone: true }),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.runId, t.stepIndex] })],
);

/**
 * An open digest: the run that collects, for one user, workflow, step and
 * rendered key, until its window closes. The unique index is what makes
 * concurrent triggers join one digest: exactly one inserts, the others find it.
 */
export const workflowDigests = pgTable(
  'workflow_digests',
  {
    runId: uuid('run_id').primaryKey(),
    workflowId: uuid('workflow_id').notNull(),
    /** Runs of another version, or of another API key, never join: their payloads are not this run's to send. */
    version: integer('version').notNull().default(1),
    apiKeyId: text('api_key_id').notNull().default(''),
    userId: uuid('user_id').notNull(),
    stepIndex: integer('step_index').notNull(),
    /** sha256 (base64url) of the rendered key: any length fits the index. */
    digestKey: text('digest_key').notNull(),
    joined: integer('joined').notNull().default(1),
    closesAt: timestamp('closes_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('workflow_digests_open_key').on(t.workflowId, t.version, t.apiKeyId, t.userId, t.stepIndex, t.digestKey)],
);

/** One payload a digest collected; `from_run_id` is unique, so a run joins at most once. */
export const workflowDigestEvents = pgTable(
  'workflow_digest_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    digestRunId: uuid('digest_run_id').notNull(),
    fromRunId: uuid('from_run_id').notNull().unique(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('workflow_digest_events_digest_idx').on(t.digestRunId)],
);

/** A run that passed a throttle step: counted against the step's limit for its window. */
export const workflowThrottlePasses = pgTable(
  'workflow_throttle_passes',
  {
    workflowId: uuid('workflow_id').notNull(),
    userId: uuid('user_id').notNull(),
    stepIndex: integer('step_index').notNull(),
    runId: uuid('run_id').notNull(),
    passedAt: timestamp('passed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.stepIndex] }),
    index('workflow_throttle_passes_window_idx').on(t.workflowId, t.userId, t.stepIndex, t.passedAt),
  ],
);

/** A run as stored. */
export type RunRow = typeof workflowRuns.$inferSelect;
/** What one step of a run did, as stored. */
export type RunStepRow = typeof workflowRunSteps.$inferSelect;

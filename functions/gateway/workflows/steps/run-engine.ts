import type { Logger } from '../../../../shared/logging/logger.js';
import type { NotificationStatus } from '../../../../shared/schemas/notification-statuses.js';
import type { IntakeRequest, IntakeResult } from '../../intake/intake-call.js';
import type { NotificationStore } from '../../notification-store.js';
import type { WorkflowStep } from '../definitions/workflow.schemas.js';
import { durationMs } from '../definitions/workflow-duration.js';
import type { RunMove, RunRow, RunStore, StepRecord, StepTx } from '../runs/run-store.js';
import { conditionHolds, type PreviousSend } from './step-conditions.js';
import { renderKey, stepVariables } from './step-expressions.js';

export interface RunEngineDeps {
  runs: RunStore;
  /** The steps of a workflow version (immutable, so they may be cached). */
  stepsOf(workflowId: string, version: number): Promise<WorkflowStep[] | null>;
  /** Intake, for one send: the same checks, preferences, quiet hours and idempotency as `POST /api/v1/notifications`. */
  send(apiKeyId: string, request: IntakeRequest): Promise<IntakeResult>;
  notifications: Pick<NotificationStore, 'find' | 'timeline'>;
  logger: Logger;
  now?: () => Date;
}

/** A step that cannot be taken now, to be tried again at `retryAt` (a rate limit). */
class NotYet extends Error {
  constructor(readonly retryAt: Date) {
    super('not yet');
  }
}

const NO_DEVICE = /^no devices/;

/**
 * Takes a run's steps, one transaction each (`RunStore.takeStep`), until
 * the run waits (a delay, a digest window, a throttle's deferral) or
 * finishes. A send goes through intake with the request id
 * `workflow:<run>:<step>`, so a send retried after a crash (the notification
 * written, the step not yet recorded) finds its notification instead of
 * making a second one.
 */
export function createRunEngine(deps: RunEngineDeps) {
  const now = deps.now ?? (() => new Date());

  async function previousSend(run: RunRow, steps: WorkflowStep[]): Promise<PreviousSend | null> {
    for (let i = run.stepIndex - 1; i >= 0; i--) {
      if (steps[i]!.type !== 'send') continue;
      const record = await deps.runs.stepRecord(run.id, i);
      // a send its own condition skipped is passed over: the condition is about the last send taken
      if (!record || record.state === 'skipped') continue;
      if (!record.notificationId) return { status: null, noDevice: false };
      const notification = await deps.notifications.find(record.notificationId);
      if (!notification) return { status: null, noDevice: false };
      const status = notification.status as NotificationStatus;
      const noDevice =
        status === 'failed' && (await deps.notifications.timeline(notification.id)).some((e) => NO_DEVICE.test(e.error ?? ''));
      return { status, noDevice };
    }
    return null;
  }

  /** A send, made before its step's transaction (intake writes on its own connection): intake's answer as the step's record. */
  async function send(
    run: RunRow,
    step: Extract<WorkflowStep, { type: 'send' }>,
  ): Promise<{ record: StepRecord; move: RunMove }> {
    const result = await deps.send(run.apiKeyId, {
      body: {
        notification_type: step.channel,
        user_id: run.userId,
        template_code: step.template_code,
        variables: stepVariables(step.variables, { payload: run.payload, ...(run.events && { events: run.events }) }),
        request_id: `workflow:${run.id}:${run.stepIndex}`,
        ...(step.priority !== undefined && { priority: step.priority }),
        metadata: { workflow_key: run.workflowKey, workflow_run_id: run.id, workflow_step: run.stepIndex },
      },
      correlationId: run.correlationId,
    });
    if (result.status === 429 || result.status >= 500) {
      // the key's or the user's rate limit, or a lookup that is down: the same send, later
      const seconds = result.error?.retryAfterSeconds ?? 5;
      throw new NotYet(new Date(now().getTime() + Math.max(1, seconds) * 1000));
    }
    const next: RunMove = { kind: 'next', dueAt: now() };
    if (result.error) return { record: { state: 'failed', detail: result.error.message }, move: next };
    const data = (result.body as { data: { notification_id: string; status: string; reason?: string } }).data;
    return {
      record: {
        state: 'completed',
        notificationId: data.notification_id,
        detail: data.reason ? `${data.status} (${data.reason})` : data.status,
      },
      move: next,
    };
  }

  async function digest(
    held: StepTx,
    step: Extract<WorkflowStep, { type: 'digest' }>,
  ): Promise<{ record: StepRecord; move: RunMove }> {
    const { tx, run, record } = held;
    if (record?.state === 'waiting') {
      // the window closed: no trigger joins any more, and what joined goes to the next step
      const events = await deps.runs.closeDigest(tx, run.id);
      return {
        record: { state: 'completed', detail: `${events.length} collected` },
        move: { kind: 'next', dueAt: now(), events },
      };
    }
    const closesAt = new Date(now().getTime() + durationMs(step.window)!);
    const key = renderKey(step.key, { payload: run.payload });
    const collector = await deps.runs.joinDigest(tx, run, key, closesAt);
    if (collector !== run.id) {
      return {
        record: { state: 'merged', detail: `joined the digest of run ${collector}` },
        move: { kind: 'finish', state: 'merged', mergedInto: collector },
      };
    }
    return { record: { state: 'waiting', waitUntil: closesAt, detail: 'collecting' }, move: { kind: 'wait', dueAt: closesAt } };
  }

  /**
   * What can be decided before the step's transaction: a step whose `if`
   * does not hold is skipped, and a send is made (so the notification
   * exists before the step is recorded; a crash between is healed by the
   * request id). Null for the steps that work inside the transaction.
   */
  async function beforeTx(run: RunRow, step: WorkflowStep, steps: WorkflowStep[]) {
    if (step.if) {
      const record = await deps.runs.stepRecord(run.id, run.stepIndex);
      // a step already waiting (a delay begun) had its condition checked when it began
      if (record?.state !== 'waiting' && !conditionHolds(step.if.previous, await previousSend(run, steps))) {
        const skip: { record: StepRecord; move: RunMove } = {
          record: { state: 'skipped', detail: `previous send is not ${step.if.previous}` },
          move: { kind: 'next', dueAt: now() },
        };
        return skip;
      }
    }
    return step.type === 'send' ? send(run, step) : null;
  }

  async function inTx(
    held: StepTx,
    step: Exclude<WorkflowStep, { type: 'send' }>,
  ): Promise<{ record: StepRecord; move: RunMove }> {
    const { run, record } = held;
    switch (step.type) {
      case 'delay': {
        if (record?.state === 'waiting') return { record: { state: 'completed' }, move: { kind: 'next', dueAt: now() } };
        const until = new Date(now().getTime() + durationMs(step.duration)!);
        return { record: { state: 'waiting', waitUntil: until }, move: { kind: 'wait', dueAt: until } };
      }
      case 'digest':
        return digest(held, step);
      case 'throttle': {
        const verdict = await deps.runs.passThrottle(held.tx, run, step.limit, durationMs(step.window)!);
        if (verdict.passed) return { record: { state: 'completed' }, move: { kind: 'next', dueAt: now() } };
        if (step.on_excess === 'drop') {
          return {
            record: { state: 'dropped', detail: `over ${step.limit} per ${step.window}` },
            move: { kind: 'finish', state: 'dropped' },
          };
        }
        return {
          record: { state: 'waiting', waitUntil: verdict.freeAt, detail: `deferred: over ${step.limit} per ${step.window}` },
          move: { kind: 'wait', dueAt: verdict.freeAt },
        };
      }
    }
  }

  async function takeOne(run: RunRow, steps: WorkflowStep[]): Promise<RunRow | null> {
    const step = steps[run.stepIndex]!;
    if (step.type === 'send') {
      // read again just before sending: a run cancelled (or moved on by another worker) since it was leased sends nothing;
      // a cancel landing between this read and the send itself lets that one send through
      const current = await deps.runs.find(run.id);
      if (current?.state !== 'running' || current.stepIndex !== run.stepIndex) return null;
    }
    const decided = await beforeTx(run, step, steps);
    if (decided) return deps.runs.takeStep(run, async () => decided);
    return deps.runs.takeStep(run, (held) => inTx(held, step as Exclude<WorkflowStep, { type: 'send' }>));
  }

  return {
    /**
     * Take `run`'s due steps until it waits or finishes (or `keepGoing`
     * says stop). Returns the run as it is now, or null when another
     * worker or a cancel moved it.
     */
    async advance(run: RunRow, keepGoing: () => boolean = () => true): Promise<RunRow | null> {
      const steps = await deps.stepsOf(run.workflowId, run.version);
      let current: RunRow | null = run;
      while (current && current.state === 'running' && current.dueAt.getTime() <= now().getTime() && keepGoing()) {
        if (!steps || current.stepIndex >= steps.length) {
          current = await deps.runs.complete(current, steps ? null : `workflow version ${run.version} not found`);
          break;
        }
        const at: RunRow = current;
        try {
          current = await takeOne(at, steps);
        } catch (err) {
          if (!(err instanceof NotYet)) throw err;
          deps.logger.info(
            { workflow_run_id: at.id, retry_at: err.retryAt.toISOString() },
            'workflow send held back; tried again later',
          );
          current = await deps.runs.postpone(at, err.retryAt);
        }
      }
      return current;
    },
  };
}

export type RunEngine = ReturnType<typeof createRunEngine>;

import type { Cache } from '../../../shared/cache/cache.js';
import type { TemplateClient } from '../../../shared/clients/template-client.js';
import type { UserClient } from '../../../shared/clients/user-client.js';
import type { Db } from '../../../shared/db/create-db.js';
import type { Logger } from '../../../shared/logging/logger.js';
import type { Intake } from '../intake/intake.js';
import type { NotificationStore } from '../notification-store.js';
import type { WorkflowStep } from './definitions/workflow.schemas.js';
import { createWorkflowStore } from './definitions/workflow-store.js';
import { createRunStore } from './runs/run-store.js';
import { createRunTrigger } from './runs/run-trigger.js';
import { createRunWorker, type RunWorker } from './runs/run-worker.js';
import { createRunEngine } from './steps/run-engine.js';
import type { WorkflowDeps } from './workflow-deps.js';

export interface WorkflowsOptions {
  db: Db;
  intake: Intake;
  notifications: Pick<NotificationStore, 'find' | 'timeline'>;
  users: Pick<UserClient, 'getRecipient' | 'findByExternalId'>;
  templates: Pick<TemplateClient, 'resolve'>;
  cache: Pick<Cache, 'limit'>;
  logger: Logger;
  limits: { perKeyPerMinute: number };
  leaseMs: number;
  /** A run finished: its outcome (metrics). */
  onFinished?: (outcome: string) => void;
}

/** Versions kept in memory: they are immutable, so a cached one is never stale. */
const CACHED_VERSIONS = 500;

/** The gateway's workflows: definitions, triggers, the runs' worker, and what the routes need. */
export function createWorkflows(options: WorkflowsOptions): { routes: WorkflowDeps; worker: RunWorker } {
  const store = createWorkflowStore(options.db);
  const runs = createRunStore(options.db);
  const versions = new Map<string, WorkflowStep[]>();
  const engine = createRunEngine({
    runs,
    async stepsOf(workflowId, version) {
      const key = `${workflowId}:${version}`;
      const cached = versions.get(key);
      if (cached) return cached;
      const steps = await store.stepsOf(workflowId, version);
      if (steps) {
        if (versions.size >= CACHED_VERSIONS) versions.delete(versions.keys().next().value!);
        versions.set(key, steps);
      }
      return steps;
    },
    send: async (apiKeyId, request) => (await options.intake.accept(apiKeyId, [request])).results[0]!,
    notifications: options.notifications,
    logger: options.logger,
  });
  const worker = createRunWorker({
    runs,
    engine,
    logger: options.logger,
    leaseMs: options.leaseMs,
    onFinished: (run) => options.onFinished?.(run.state),
  });
  const trigger = createRunTrigger({
    workflows: store,
    runs,
    users: options.users,
    cache: options.cache,
    limits: options.limits,
    onAccepted: () => worker.nudge(),
  });
  return { routes: { store, runs, trigger, templates: options.templates }, worker };
}

import type { Authenticator } from '../../shared/auth/authenticator.js';
import type { Fetcher } from '../../shared/clients/fetcher.js';
import type { ReadinessCheck } from '../../shared/http/health.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { Queue } from '../../shared/queue/queue.js';
import type { AdminDeps } from './admin/admin.routes.js';
import type { FanoutIntake } from './fanout/fanout-intake.js';
import type { FanoutStore } from './fanout/fanout-store.js';
import type { InboxDeps } from './inbox/inbox-deps.js';
import type { Intake } from './intake/intake.js';
import type { IntakeCoalescer } from './intake/intake-coalescer.js';
import type { NotificationStore } from './notification-store.js';
import type { StatusRecorder } from './status/status-recorder.js';
import type { SuppressionStore } from './suppressions/suppression-store.js';
import type { WebhookStore } from './webhooks/webhook-store.js';
import type { WorkflowDeps } from './workflows/workflow-deps.js';

/** What the gateway's routes need: ports and settings, no adapters. */
export interface GatewayAppDeps {
  intake: Intake;
  /** Single intakes go through the coalescer (group commit). */
  coalescer: IntakeCoalescer;
  store: NotificationStore;
  /** Sending to a topic: `POST /api/v1/notifications` with `topic_key`, and `GET /api/v1/fanouts/:id`. */
  fanouts: { intake: FanoutIntake; store: FanoutStore };
  /** Workflow definitions, triggers and runs (`/api/v1/workflows`, `/api/v1/workflow-runs`). */
  workflows: WorkflowDeps;
  recorder: StatusRecorder;
  /** The suppression list, as operators manage it (`/api/v1/suppressions`). */
  suppressions: SuppressionStore;
  authenticator: Authenticator;
  logger: Logger;
  /** The functions whose public routes the gateway forwards. */
  upstreams: { user: Fetcher; template: Fetcher; email: Fetcher; push: Fetcher };
  bodyLimitBytes: number;
  /** Verifies the service credential on `/internal/v1` (INTERNAL_SECRET). */
  internalSecret: string;
  /** Batch bodies may be larger than single requests. */
  batchBodyLimitBytes: number;
  readiness: Record<string, ReadinessCheck>;
  /** The operator routes and the dashboard (`/api/v1/admin`, `/dashboard`). */
  admin: Omit<AdminDeps, 'authenticator'>;
  /** Outbound webhook endpoints and their delivery log (`/api/v1/webhooks`); redeliveries publish to `webhook`. */
  webhooks: {
    store: WebhookStore;
    queue: Pick<Queue, 'publish'>;
    refusal: (url: string) => string | null;
    onEndpointsChanged?: () => void;
  };
  /** The in-app inbox: feed, marks, embed tokens, streams. */
  inbox: Omit<InboxDeps, 'authenticator' | 'recordReadIn' | 'logger'> & { streams?: { opened(): void; closed(): void } };
}

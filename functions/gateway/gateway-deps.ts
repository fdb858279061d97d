import type { Authenticator } from '../../shared/auth/authenticator.js';
import type { Fetcher } from '../../shared/clients/fetcher.js';
import type { ReadinessCheck } from '../../shared/http/health.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { AdminDeps } from './admin.routes.js';
import type { Intake } from './intake.js';
import type { IntakeCoalescer } from './intake-coalescer.js';
import type { NotificationStore } from './notification-store.js';
import type { StatusRecorder } from './status-recorder.js';

/** What the gateway's routes need: ports and settings, no adapters. */
export interface GatewayAppDeps {
  intake: Intake;
  /** Single intakes go through the coalescer (group commit). */
  coalescer: IntakeCoalescer;
  store: NotificationStore;
  recorder: StatusRecorder;
  authenticator: Authenticator;
  logger: Logger;
  /** The functions whose public routes the gateway forwards. */
  upstreams: { user: Fetcher; template: Fetcher; email: Fetcher; push: Fetcher };
  bodyLimitBytes: number;
  /** Batch bodies may be larger than single requests. */
  batchBodyLimitBytes: number;
  readiness: Record<string, ReadinessCheck>;
  /** The operator routes and the dashboard (`/api/v1/admin`, `/dashboard`). */
  admin: Omit<AdminDeps, 'authenticator'>;
}

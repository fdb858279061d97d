import type { z } from 'zod';
import type { batchAnswer, fallbackResponse } from '../functions/gateway/intake/notification.responses.js';
import type { listNotificationsQuery, notificationBody } from '../functions/gateway/intake/notification.schemas.js';
import type { workflowResponse } from '../functions/gateway/workflows/definitions/workflow.responses.js';
import type {
  createWorkflowBody,
  triggerBody,
  workflowVersionBody,
} from '../functions/gateway/workflows/definitions/workflow.schemas.js';
import type { runResponse, runStepResponse } from '../functions/gateway/workflows/runs/run.responses.js';
import type {
  emailContentSchema,
  languageSchema,
  pushContentSchema,
  variableDeclarationsSchema,
} from '../functions/template/engine/content.js';
import type {
  getTemplateQuery,
  listTemplatesQuery,
  renderBody,
  templateCodeSchema,
} from '../functions/template/templates/wire.js';
import type { createUserBody, updatePreferencesBody, updateUserBody } from '../functions/user/users/user.schemas.js';
import type { Channel } from '../shared/schemas/channels.js';
import type { NotificationStatus } from '../shared/schemas/notification-statuses.js';

/*
 * Request types come from the zod schemas the routes validate with (type-only
 * imports: nothing of the server is loaded at run time). Response types are
 * the `z.output` of the route's declared response shape where one exists
 * (workflows and runs), else plain interfaces of the wire format (snake_case),
 * as the routes write it.
 */

// ---- requests ----------------------------------------------------------------

export type { Channel };

/** Body of `POST /api/v1/notifications` (one item of a batch too). */
export type SendNotificationRequest = z.input<typeof notificationBody>;

/** Paging of every list route; the schemas coerce query strings, the client sends numbers. */
export interface PageQuery {
  page?: number;
  limit?: number;
}

export type ListNotificationsFilters = Omit<z.input<typeof listNotificationsQuery>, 'page' | 'limit'> & PageQuery;

export type CreateUserRequest = z.input<typeof createUserBody>;
export type UpdateUserRequest = z.input<typeof updateUserBody>;
export type UpdatePreferencesRequest = z.input<typeof updatePreferencesBody>;

export type TemplateContentRequest = z.input<typeof emailContentSchema> | z.input<typeof pushContentSchema>;

/**
 * Body of `POST /api/v1/templates`. The route's zod object is not exported
 * (its `content` depends on the channel), so this is assembled from the same
 * field schemas.
 */
export interface CreateTemplateRequest {
  template_code: z.input<typeof templateCodeSchema>;
  channel: Channel;
  category: string;
  default_language?: z.input<typeof languageSchema>;
  description?: string;
  content: TemplateContentRequest;
  variables?: z.input<typeof variableDeclarationsSchema>;
}

/** Body of `POST /api/v1/templates/:code/versions`. */
export interface AddTemplateVersionRequest {
  content: TemplateContentRequest;
  variables?: z.input<typeof variableDeclarationsSchema>;
  /** Defaults to the template's default language. */
  language?: z.input<typeof languageSchema>;
  /** `false` saves a draft; the current version stays active. */
  activate?: boolean;
}

export type ListTemplatesQuery = Omit<z.input<typeof listTemplatesQuery>, 'page' | 'limit'> & PageQuery;
export type GetTemplateQuery = Omit<z.input<typeof getTemplateQuery>, 'version'> & { version?: number };
export type RenderTemplateRequest = z.input<typeof renderBody>;

/** Body of `POST /api/v1/workflows`. */
export type CreateWorkflowRequest = z.input<typeof createWorkflowBody>;
/** Body of `POST /api/v1/workflows/:key/versions`. */
export type AddWorkflowVersionRequest = z.input<typeof workflowVersionBody>;
/** Body of `POST /api/v1/workflows/:key/trigger` (one item of a batch too): `user_id` or `external_id`. */
export type TriggerWorkflowRequest = z.input<typeof triggerBody>;

// ---- responses ---------------------------------------------------------------

export interface PageMeta {
  total: number;
  limit: number;
  page: number;
  total_pages: number;
  has_next: boolean;
  has_previous: boolean;
}

/** A page of a list route: the envelope's `data` and `meta`. */
export interface Page<T> {
  data: T[];
  meta: PageMeta;
}

/** `data` of a 202/200 intake answer. */
export interface NotificationAccepted {
  notification_id: string;
  status: 'pending' | 'skipped' | 'suppressed';
  reason?: string;
  request_id: string;
  notification_type: Channel;
  user_id: string;
  template_code: string;
  template_version: number;
  language: string;
  priority: number;
  send_at: string | null;
  /** Only for a channel list (`notification_type: ["push", "email"]`). */
  fallback?: NotificationFallback;
  created_at: string;
}

/** How far a notification sent with a channel list went along it; `notification_type` is the channel in use. */
export type NotificationFallback = z.output<typeof fallbackResponse>;

export interface Notification {
  id: string;
  request_id: string;
  notification_type: Channel;
  user_id: string;
  template_code: string;
  template_version: number;
  language: string;
  category: string | null;
  priority: number;
  status: NotificationStatus;
  status_reason: string | null;
  variables: Record<string, unknown>;
  metadata: Record<string, unknown>;
  send_at: string | null;
  /** Null for a notification of one channel. */
  fallback: NotificationFallback | null;
  created_at: string;
  updated_at: string;
}

export interface NotificationEvent {
  status: NotificationStatus;
  attempt: number | null;
  provider: string | null;
  provider_message_id: string | null;
  response: string | null;
  error: string | null;
  device_id: string | null;
  occurred_at: string;
  recorded_at: string;
}

export interface NotificationWithTimeline extends Notification {
  timeline: NotificationEvent[];
}

/** One item of a batch answer: its status code and the body a single intake would answer. */
export interface BatchItemResult {
  /** Position in the whole list handed to `sendBatch` (not in its chunk). */
  index: number;
  status_code: number;
  replayed: boolean;
  success?: boolean;
  data?: NotificationAccepted;
  error?: string;
  message?: string;
  meta?: Record<string, unknown>;
}

export interface BatchResult {
  accepted: number;
  rejected: number;
  items: BatchItemResult[];
}

export interface Preferences {
  email: boolean;
  push: boolean;
  language: string;
  timezone: string;
  opt_out_categories: string[];
  updated_at: string;
}

export interface User {
  id: string;
  name: string;
  email: string;
  preferences: Preferences;
  created_at: string;
  updated_at: string;
}

export interface LoginResult {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  user_id: string;
}

export interface Template {
  id: string;
  template_code: string;
  channel: Channel;
  category: string;
  default_language: string;
  description: string | null;
  /** Active version number per language, e.g. `{ "en": 3, "fr": 1 }`. */
  active_versions: Record<string, number>;
  created_at: string;
  updated_at: string;
}

export interface TemplateVersion {
  id: string;
  version: number;
  language: string;
  is_active: boolean;
  content: Record<string, unknown>;
  variables: Array<{ name: string; required: boolean }>;
  created_at: string;
}

export interface ResolvedTemplate extends Template {
  requested_language: string | null;
  version: TemplateVersion;
}

export interface RenderedTemplate {
  template_code: string;
  channel: Channel;
  category: string;
  requested_language: string | null;
  language: string;
  version: number;
  content: Record<string, unknown>;
}

/** A workflow with the steps of one version (the active one unless another was asked for). */
export type Workflow = z.output<typeof workflowResponse>;

/** A workflow run; `GET /api/v1/workflow-runs/:id` adds `steps`. */
export type WorkflowRun = z.output<typeof runResponse>;
export type WorkflowRunStep = z.output<typeof runStepResponse>;
export type WorkflowRunWithSteps = WorkflowRun & { steps: WorkflowRunStep[] };

/** One item of a trigger batch: as {@link BatchItemResult}, its `data` a run. */
export type TriggerBatchItemResult = Omit<BatchItemResult, 'data'> & { data?: WorkflowRun };

/** `data` of `POST /api/v1/workflows/:key/trigger/batch`. */
export type TriggerBatchResult = Omit<z.output<typeof batchAnswer>['data'], 'items'> & { items: TriggerBatchItemResult[] };

import { NotifyApiError, parseRetryAfter } from './notify-api-error.js';
import { NOTIFY_ROUTES, type NotifyRouteName, routePath } from './notify-routes.js';
import type {
  AddTemplateVersionRequest,
  AddWorkflowVersionRequest,
  BatchResult,
  Channel,
  CreateTemplateRequest,
  CreateUserRequest,
  CreateWorkflowRequest,
  GetTemplateQuery,
  ListNotificationsFilters,
  ListTemplatesQuery,
  LoginResult,
  Notification,
  NotificationAccepted,
  NotificationWithTimeline,
  Page,
  PageMeta,
  PageQuery,
  Preferences,
  RenderedTemplate,
  RenderTemplateRequest,
  ResolvedTemplate,
  SendNotificationRequest,
  Template,
  TemplateVersion,
  TriggerBatchResult,
  TriggerWorkflowRequest,
  UpdatePreferencesRequest,
  UpdateUserRequest,
  User,
  Workflow,
  WorkflowRun,
  WorkflowRunWithSteps,
} from './notify-types.js';

export { NotifyApiError } from './notify-api-error.js';
export * from './notify-types.js';

/** Most items the gateway takes in one batch request (`MAX_BATCH` and `MAX_TRIGGER_BATCH` on the server). */
export const MAX_BATCH_SIZE = 1000;

/** A `fetch`-compatible function (the global one, or e.g. a Hono app's `fetch` in tests). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response> | Response;

export interface NotifyClientOptions {
  /** Gateway base URL, e.g. `http://localhost:8000` (no `/api/v1`). */
  baseUrl: string;
  /** API key or access token, sent as `Authorization: Bearer ...`; optional for sign-up and login. */
  apiKey?: string | undefined;
  /** Defaults to the global `fetch`. */
  fetch?: FetchLike;
}

export interface SendOptions {
  /** Sent as the `Idempotency-Key` header: a replay answers the original notification. */
  idempotencyKey?: string;
}

export interface SendBatchOptions {
  /** Called after each chunk with how many items were sent so far and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Items per request, at most {@link MAX_BATCH_SIZE} (the default). */
  chunkSize?: number;
}

export interface TriggerOptions {
  /** Sent as the `Idempotency-Key` header: a replay answers the original run. */
  idempotencyKey?: string;
}

/** Query parameters; `undefined` values are left out. */
type Query = object;

interface CallOptions {
  params?: Record<string, string | number>;
  query?: Query | undefined;
  body?: unknown;
  headers?: Record<string, string>;
}

interface SuccessBody<T> {
  success: true;
  data: T;
  message: string;
  meta?: PageMeta;
}

/** The typed client of the notification platform's public API (see {@link createNotifyClient}). */
export type NotifyClient = ReturnType<typeof createNotifyClient>;

/**
 * A typed client of the gateway's public API. Every method resolves with the
 * envelope's `data` (lists: `data` and `meta`) and rejects with a
 * {@link NotifyApiError} on an error answer.
 *
 * @example
 * const notify = createNotifyClient({ baseUrl: 'http://localhost:8000', apiKey });
 * const { notification_id } = await notify.send({ notification_type: 'email', user_id, template_code: 'welcome_email' });
 */
export function createNotifyClient(options: NotifyClientOptions) {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));

  async function call<T>(route: NotifyRouteName, opts: CallOptions = {}): Promise<SuccessBody<T>> {
    const [method, pattern] = NOTIFY_ROUTES[route];
    const url = `${baseUrl}${routePath(pattern, opts.params)}${queryString(opts.query)}`;
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await doFetch(url, { method, headers, ...(opts.body !== undefined && { body: JSON.stringify(opts.body) }) });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch (cause) {
      throw new NotifyApiError({
        status: res.status,
        code: 'invalid_response',
        message: `${method} ${pattern}: answer is not JSON (${res.status})`,
        cause,
      });
    }
    const envelope = parsed as
      | { success?: boolean; error?: string; message?: string; meta?: Record<string, unknown> }
      | undefined;
    if (!res.ok || envelope?.success !== true) {
      throw new NotifyApiError({
        status: res.status,
        code: envelope?.error ?? 'http_error',
        message: envelope?.message ?? `${method} ${pattern} answered ${res.status}`,
        meta: envelope?.meta ?? {},
        retryAfter: parseRetryAfter(res.headers.get('retry-after')),
      });
    }
    return parsed as SuccessBody<T>;
  }

  const data = async <T>(route: NotifyRouteName, opts?: CallOptions) => (await call<T>(route, opts)).data;
  /** Post `items` in chunks, one request after the other; `index` is made a position in `items`. */
  async function inChunks<I, R extends { index: number }>(
    items: readonly I[],
    batchOptions: SendBatchOptions,
    post: (chunk: I[]) => Promise<{ accepted: number; rejected: number; items: R[] }>,
  ): Promise<{ accepted: number; rejected: number; items: R[] }> {
    const size = Math.min(MAX_BATCH_SIZE, Math.max(1, Math.floor(batchOptions.chunkSize ?? MAX_BATCH_SIZE)));
    const result = { accepted: 0, rejected: 0, items: [] as R[] };
    for (let start = 0; start < items.length; start += size) {
      const chunk = items.slice(start, start + size);
      const answer = await post(chunk);
      result.accepted += answer.accepted;
      result.rejected += answer.rejected;
      result.items.push(...answer.items.map((item) => ({ ...item, index: item.index + start })));
      batchOptions.onProgress?.(start + chunk.length, items.length);
    }
    return result;
  }

  const page = async <T>(route: NotifyRouteName, opts?: CallOptions): Promise<Page<T>> => {
    const body = await call<T[]>(route, opts);
    return { data: body.data, meta: body.meta! };
  };

  return {
    /** Send one notification; `idempotencyKey` deduplicates like `request_id`. */
    send(notification: SendNotificationRequest, sendOptions: SendOptions = {}): Promise<NotificationAccepted> {
      return data('send', {
        body: notification,
        ...(sendOptions.idempotencyKey && { headers: { 'idempotency-key': sendOptions.idempotencyKey } }),
      });
    },

    /**
     * Send any number of notifications in requests of at most 1000, one after
     * the other. Items are answered one by one (a rejected item does not fail
     * the call); `items[].index` is the position in `notifications`.
     */
    sendBatch(notifications: readonly SendNotificationRequest[], batchOptions: SendBatchOptions = {}): Promise<BatchResult> {
      return inChunks(notifications, batchOptions, (chunk) => data<BatchResult>('sendBatch', { body: { notifications: chunk } }));
    },

    /** A notification with its status timeline. */
    get(id: string): Promise<NotificationWithTimeline> {
      return data('get', { params: { notification_id: id } });
    },

    /** A page of notifications, filtered. */
    list(filters: ListNotificationsFilters = {}): Promise<Page<Notification>> {
      return page('list', { query: filters });
    },

    /** Cancel a notification not yet queued (a scheduled one); 409 once it is queued. */
    cancel(id: string): Promise<{ id: string; status: 'cancelled' }> {
      return data('cancel', { params: { notification_id: id } });
    },

    /** Exchange a user's email and password for an access token. */
    login(email: string, password: string): Promise<LoginResult> {
      return data('login', { body: { email, password } });
    },

    users: {
      create: (body: CreateUserRequest): Promise<User> => data('users.create', { body }),
      get: (id: string): Promise<User> => data('users.get', { params: { user_id: id } }),
      list: (query: PageQuery = {}): Promise<Page<User>> => page('users.list', { query }),
      update: (id: string, body: UpdateUserRequest): Promise<User> => data('users.update', { params: { user_id: id }, body }),
      delete: (id: string): Promise<{ id: string; deleted: true }> => data('users.delete', { params: { user_id: id } }),
      preferences: (id: string): Promise<Preferences> => data('users.preferences', { params: { user_id: id } }),
      updatePreferences: (id: string, body: UpdatePreferencesRequest): Promise<Preferences> =>
        data('users.updatePreferences', { params: { user_id: id }, body }),
    },

    templates: {
      create: (body: CreateTemplateRequest): Promise<Template & { version: TemplateVersion }> =>
        data('templates.create', { body }),
      get: (code: string, query: GetTemplateQuery = {}): Promise<ResolvedTemplate> =>
        data('templates.get', { params: { code }, query }),
      list: (query: ListTemplatesQuery = {}): Promise<Page<Template>> => page('templates.list', { query }),
      /** Add a version; `channel` picks the template when one code exists on both channels. */
      addVersion: (code: string, body: AddTemplateVersionRequest, channel?: Channel): Promise<TemplateVersion> =>
        data('templates.addVersion', { params: { code }, query: { channel }, body }),
      activate: (
        code: string,
        version: number,
        channel?: Channel,
      ): Promise<TemplateVersion & { previous_active_version: number | null }> =>
        data('templates.activate', { params: { code, version }, query: { channel } }),
      render: (code: string, body: RenderTemplateRequest = {}, channel?: Channel): Promise<RenderedTemplate> =>
        data('templates.render', { params: { code }, query: { channel }, body }),
    },

    /** Start a run of workflow `key` for one recipient (scope `send`); idempotent on `request_id` or `idempotencyKey`. */
    trigger(key: string, body: TriggerWorkflowRequest, triggerOptions: TriggerOptions = {}): Promise<WorkflowRun> {
      return data('trigger', {
        params: { key },
        body,
        ...(triggerOptions.idempotencyKey && { headers: { 'idempotency-key': triggerOptions.idempotencyKey } }),
      });
    },

    /** Start any number of runs in requests of at most 1000; answered one by one, like {@link sendBatch}. */
    triggerBatch(
      key: string,
      triggers: readonly TriggerWorkflowRequest[],
      batchOptions: SendBatchOptions = {},
    ): Promise<TriggerBatchResult> {
      return inChunks(triggers, batchOptions, (chunk) =>
        data<TriggerBatchResult>('triggerBatch', { params: { key }, body: { triggers: chunk } }),
      );
    },

    /** A run with each step: its state, `wait_until`, and the notification a send created. */
    run(id: string): Promise<WorkflowRunWithSteps> {
      return data('run', { params: { run_id: id } });
    },

    /** Cancel a run that has not finished; 409 once it has. */
    cancelRun(id: string): Promise<WorkflowRun> {
      return data('cancelRun', { params: { run_id: id } });
    },

    /** Workflow definitions (scope `admin`): versions are immutable; a new one runs once activated. */
    workflows: {
      create: (body: CreateWorkflowRequest): Promise<Workflow> => data('workflows.create', { body }),
      list: (query: PageQuery = {}): Promise<Page<Workflow>> => page('workflows.list', { query }),
      /** With its active version's steps. */
      get: (key: string): Promise<Workflow> => data('workflows.get', { params: { key } }),
      addVersion: (key: string, body: AddWorkflowVersionRequest): Promise<Workflow> =>
        data('workflows.addVersion', { params: { key }, body }),
      activate: (key: string, version: number): Promise<Workflow> => data('workflows.activate', { params: { key, version } }),
    },
  };
}

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query) as Array<[string, unknown]>)
    if (value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

import { randomUUID } from 'node:crypto';
import type { Cache, RateLimitDecision } from '../../shared/cache/cache.js';
import type { Recipient, UserClient } from '../../shared/clients/user-client.js';
import type { TemplateClient, TemplateVersion } from '../../shared/clients/template-client.js';
import {
  AppError,
  ConflictError,
  MissingVariablesError,
  NotFoundError,
  RateLimitedError,
  ValidationError,
} from '../../shared/errors.js';
import { toFieldIssues } from '../../shared/http/validate.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { MessageInput } from '../../shared/messages.js';
import { canonicalHash } from './canonical-hash.js';
import { notificationBody, type NotificationBody } from './notification.schemas.js';
import type { NewNotification, NewOutboxRow, NotificationRow, NotificationStore } from './notification-store.js';

export interface IntakeDeps {
  store: NotificationStore;
  users: UserClient;
  templates: TemplateClient;
  cache: Cache;
  logger: Logger;
  limits: { perKeyPerMinute: number; perUserPerMinute: number };
  /** Called after notifications were queued in the outbox, so the relay publishes at once. */
  onQueued: () => void;
}

export interface IntakeRequest {
  body: unknown;
  /** `Idempotency-Key` header; wins over the body's `request_id`. */
  idempotencyKey?: string | undefined;
  correlationId: string;
  traceparent?: string | undefined;
}

/** One request's answer: the envelope to send and its status. */
export interface IntakeResult {
  status: number;
  body: unknown;
  replayed: boolean;
  error?: AppError;
}

export interface IntakeOutcome {
  results: IntakeResult[];
  /** The API key's rate-limit state after this call, for `RateLimit-*` headers. */
  rateLimit: RateLimitDecision;
}

const MINUTE = 60_000;
/** Same bound as `request_id` in the body; longer keys would not fit the unique index. */
const MAX_REQUEST_ID = 200;

interface Item {
  index: number;
  body: NotificationBody;
  requestId: string;
  hash: string;
  request: IntakeRequest;
}

interface Lookups {
  recipients: Map<string, Recipient | null>;
  templates: Map<string, TemplateVersion | null>;
  suppressed: Set<string>;
}

const EMPTY_LOOKUPS: Lookups = { recipients: new Map(), templates: new Map(), suppressed: new Set() };

function errorResult(error: AppError): IntakeResult {
  return {
    status: error.status,
    replayed: false,
    error,
    body: { success: false, error: error.code, message: error.message, meta: error.details ?? {} },
  };
}

function missingVariables(template: TemplateVersion, variables: Record<string, unknown>): string[] {
  return template.variables
    .filter((v) => v.required)
    .map((v) => v.name)
    .filter((name) => variables[name] === undefined || variables[name] === null || variables[name] === '');
}

/**
 * Notification intake, for one request or a batch: validate; check the
 * key's rate limit; then each recipient's limit while looking up user,
 * template and suppression list (cached clients); apply preferences; then
 * write notifications and outbox rows in one statement, where the unique
 * index on (API key, request id) turns a repeated request id into a replay
 * of what is stored (or a 409 for a different body). Nothing is published
 * here: the outbox relay does that, so a broker outage never fails an intake.
 */
export function createIntake(deps: IntakeDeps) {
  function replayOf(row: NotificationRow, item: Item): IntakeResult {
    if (row.requestHash !== item.hash) {
      return errorResult(
        new ConflictError(`request_id ${item.requestId} was already used with a different request`, {
          details: { notification_id: row.id },
        }),
      );
    }
    return { status: row.response.status, body: row.response.body, replayed: true };
  }

  async function lookupAll<K, V>(keys: K[], load: (key: K) => Promise<V>): Promise<Map<K, V>> {
    const values = await Promise.all(keys.map(load));
    return new Map(keys.map((key, i) => [key, values[i]!]));
  }

  /** Notifications this key already accepted under these items' request ids, by request id. */
  async function earlierRequests(apiKeyId: string, of: Item[]): Promise<Map<string, NotificationRow>> {
    const rows = await deps.store.findByRequestIds(apiKeyId, [...new Set(of.map((i) => i.requestId))]);
    return new Map(rows.map((r) => [r.requestId, r]));
  }

  const templateKey = (item: Item, recipient: Recipient) =>
    `${item.body.notification_type}\u0000${item.body.template_code}\u0000${recipient.preferences.language}`;

  /** Recipients, their templates (each looked up once per call) and which addresses are suppressed. */
  async function lookUp(items: Item[]): Promise<Lookups> {
    const recipients = await lookupAll([...new Set(items.map((i) => i.body.user_id))], (id) => deps.users.getRecipient(id));
    const templateRequests = new Map<string, [Item, Recipient]>();
    for (const item of items) {
      const recipient = recipients.get(item.body.user_id);
      if (recipient) templateRequests.set(templateKey(item, recipient), [item, recipient]);
    }
    const [templates, suppressed] = await Promise.all([
      lookupAll([...templateRequests.keys()], (key) => {
        const [item, recipient] = templateRequests.get(key)!;
        return deps.templates.resolve(item.body.template_code, item.body.notification_type, recipient.preferences.language);
      }),
      deps.store.suppressedAmong([...recipients.values()].flatMap((r) => (r ? [r.email.toLowerCase()] : []))),
    ]);
    return { recipients, templates, suppressed };
  }

  return {
    async accept(apiKeyId: string, requests: IntakeRequest[]): Promise<IntakeOutcome> {
      const results: IntakeResult[] = new Array(requests.length);

      // 1. shape
      const items: Item[] = [];
      requests.forEach((request, index) => {
        const parsed = notificationBody.safeParse(request.body);
        if (!parsed.success) {
          results[index] = errorResult(new ValidationError(toFieldIssues(parsed.error), 'request body'));
          return;
        }
        if (request.idempotencyKey !== undefined && request.idempotencyKey.length > MAX_REQUEST_ID) {
          results[index] = errorResult(
            new ValidationError([{ field: 'Idempotency-Key', message: `at most ${MAX_REQUEST_ID} characters` }], 'header'),
          );
          return;
        }
        const requestId = request.idempotencyKey ?? parsed.data.request_id;
        if (!requestId) {
          results[index] = errorResult(
            new ValidationError([{ field: 'request_id', message: 'required (or send an Idempotency-Key header)' }], 'request body'),
          );
          return;
        }
        const body = { ...parsed.data, request_id: requestId };
        items.push({ index, body, requestId, hash: canonicalHash(body), request });
      });

      // 2. the key's rate limit covers the whole call, and comes first: a
      // refused key spends no recipient's budget and no lookup
      const rateLimit = await deps.cache.hit(`rl:key:${apiKeyId}`, deps.limits.perKeyPerMinute, MINUTE, Math.max(1, items.length));
      if (!rateLimit.allowed) throw new RateLimitedError(Math.ceil(rateLimit.resetMs / 1000), 'API key rate limit exceeded');

      // 3. duplicates inside this call wait for the first
      const firstOfId = new Map<string, Item>();
      const fresh: Item[] = [];
      const repeats: Item[] = [];
      for (const item of items) {
        if (firstOfId.has(item.requestId)) repeats.push(item);
        else {
          firstOfId.set(item.requestId, item);
          fresh.push(item);
        }
      }

      // 4. each recipient's rate limit (one per request id) and the lookups, at
      // once. Earlier requests under these ids are not read first: the unique
      // index finds them at insert (step 7), so a retry of a stored request
      // counts against its recipient's limit like any request.
      const countOf = new Map<string, number>();
      for (const item of fresh) countOf.set(item.body.user_id, (countOf.get(item.body.user_id) ?? 0) + 1);
      const [userDecisions, lookups] = await Promise.all([
        lookupAll([...countOf.keys()], (userId) => deps.cache.hit(`rl:user:${userId}`, deps.limits.perUserPerMinute, MINUTE, countOf.get(userId)!)),
        lookUp(fresh).then(
          (found) => ({ found, error: undefined }),
          (error: unknown) => ({ found: undefined, error }),
        ),
      ]);
      let allowed = fresh.filter((item) => {
        const decision = userDecisions.get(item.body.user_id)!;
        if (decision.allowed) return true;
        results[item.index] = errorResult(
          new RateLimitedError(Math.ceil(decision.resetMs / 1000), `Rate limit for user ${item.body.user_id} exceeded`),
        );
        return false;
      });

      // 5. a lookup that failed (user or template function down) fails the call, unless all of it was replays
      if (lookups.error !== undefined && allowed.length > 0) {
        const earlier = await earlierRequests(apiKeyId, allowed);
        if (allowed.some((item) => !earlier.has(item.requestId))) throw lookups.error;
        deps.logger.warn({ err: lookups.error }, 'lookup failed; the call held only replays, answered from what is stored');
        for (const item of allowed) results[item.index] = replayOf(earlier.get(item.requestId)!, item);
        allowed = [];
      }
      const { recipients, templates, suppressed } = lookups.found ?? EMPTY_LOOKUPS;

      // 6. decide each notification
      const rows: NewNotification[] = [];
      const outboxRows: NewOutboxRow[] = [];
      for (const item of allowed) {
        const { body } = item;
        const recipient = recipients.get(body.user_id);
        if (!recipient) {
          results[item.index] = errorResult(new NotFoundError(`User ${body.user_id} not found`));
          continue;
        }
        const template = templates.get(templateKey(item, recipient));
        if (!template) {
          results[item.index] = errorResult(
            new NotFoundError(`Template ${body.template_code} not found for channel ${body.notification_type}`),
          );
          continue;
        }
        const missing = missingVariables(template, body.variables);
        if (missing.length > 0) {
          results[item.index] = errorResult(new MissingVariablesError(missing));
          continue;
        }

        const prefs = recipient.preferences;
        let status: 'pending' | 'skipped' | 'suppressed' = 'pending';
        let reason: string | null = null;
        if (!prefs[body.notification_type] || prefs.opt_out_categories.includes(template.category)) {
          status = 'skipped';
          reason = 'opted_out';
        } else if (body.notification_type === 'email' && suppressed.has(recipient.email.toLowerCase())) {
          status = 'suppressed';
          reason = 'address_suppressed';
        }

        const id = randomUUID();
        const now = new Date();
        const data = {
          notification_id: id,
          status,
          ...(reason && { reason }),
          request_id: item.requestId,
          notification_type: body.notification_type,
          user_id: body.user_id,
          template_code: body.template_code,
          template_version: template.version,
          language: template.language,
          priority: body.priority,
          send_at: body.send_at ?? null,
          created_at: now.toISOString(),
        };
        const response = {
          status: status === 'pending' ? 202 : 200,
          body: {
            success: true,
            data,
            message: status === 'pending' ? 'Notification accepted' : `Notification recorded as ${status} (${reason})`,
          },
        };
        rows.push({
          id,
          apiKeyId,
          requestId: item.requestId,
          requestHash: item.hash,
          channel: body.notification_type,
          userId: body.user_id,
          templateCode: body.template_code,
          templateVersion: template.version,
          language: template.language,
          category: template.category,
          recipient: body.notification_type === 'email' ? recipient.email : null,
          variables: body.variables,
          metadata: body.metadata,
          priority: body.priority,
          status,
          statusReason: reason,
          sendAt: body.send_at ? new Date(body.send_at) : null,
          response,
          createdAt: now,
          updatedAt: now,
        });
        if (status === 'pending') {
          const base = {
            notification_id: id,
            request_id: item.requestId,
            correlation_id: item.request.correlationId,
            attempt: 1,
            priority: body.priority,
            user_id: body.user_id,
            template_code: body.template_code,
            template_version: template.version,
            language: template.language,
            variables: body.variables,
            metadata: body.metadata,
            ...(item.request.traceparent && { traceparent: item.request.traceparent }),
          };
          const payload: MessageInput<'email'> | MessageInput<'push'> =
            body.notification_type === 'email' ? { ...base, to: recipient.email } : base;
          outboxRows.push({
            notificationId: id,
            routingKey: body.notification_type,
            payload,
            availableAt: body.send_at ? new Date(body.send_at) : now,
          });
        }
        results[item.index] = { status: response.status, body: response.body, replayed: false };
      }

      // 7. one statement; a request id this key already used (an earlier
      // request, or a concurrent twin that won the unique index) is not
      // inserted, and answers as a replay of what is stored
      const inserted = await deps.store.insertAccepted(rows, outboxRows);
      const insertedIds = new Set(rows.filter((r) => inserted.has(r.id!)).map((r) => r.requestId));
      const repeatSet = new Set(repeats);
      const settleLater = items.filter(
        (item) => (repeatSet.has(item) || !insertedIds.has(item.requestId)) && !results[item.index]?.replayed,
      );
      if (settleLater.length > 0) {
        const earlier = await earlierRequests(apiKeyId, settleLater);
        for (const item of settleLater) {
          const row = earlier.get(item.requestId);
          if (row) results[item.index] = replayOf(row, item);
          // the twin failed rate limits or lookups: this one failed the same way
          else results[item.index] ??= results[firstOfId.get(item.requestId)!.index]!;
        }
      }
      if (outboxRows.length > 0) deps.onQueued();
      return { results, rateLimit };
    },
  };
}

export type Intake = ReturnType<typeof createIntake>;

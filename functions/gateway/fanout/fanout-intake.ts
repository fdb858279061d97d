import { randomUUID } from 'node:crypto';
import type { Cache } from '../../../shared/cache/cache.js';
import type { TemplateClient } from '../../../shared/clients/template-client.js';
import type { UserClient } from '../../../shared/clients/user-client.js';
import { ConflictError, MissingVariablesError, NotFoundError, ValidationError } from '../../../shared/errors.js';
import { toFieldIssues } from '../../../shared/http/validate.js';
import { channelsOf } from '../../../shared/schemas/channel-list.js';
import { safeParseNullAsAbsent } from '../../../shared/schemas/null-as-absent.js';
import { canonicalHash } from '../intake/canonical-hash.js';
import type { IntakeRequest } from '../intake/intake-call.js';
import { missingVariables } from '../intake/intake-decision.js';
import { spendKeyLimit } from '../intake/intake-limits.js';
import { notificationBody } from '../intake/notification.schemas.js';
import { recipientChoiceError } from '../intake/recipient-choice.js';
import { requestIdOf } from '../intake/request-id.js';
import type { FanoutRow, FanoutStore } from './fanout-store.js';
import { fanoutJson } from './fanout-wire.js';

export interface FanoutIntakeDeps {
  store: FanoutStore;
  users: Pick<UserClient, 'findTopic'>;
  templates: Pick<TemplateClient, 'resolve'>;
  cache: Pick<Cache, 'limit'>;
  limits: { perKeyPerMinute: number };
  /** Called after a fan-out was stored, so a worker starts on it at once. */
  onAccepted: () => void;
}

/** The answer to a fan-out request: 202 with the fan-out, a replay for a repeated request id. */
export interface FanoutAnswer {
  status: 202;
  body: { success: true; data: ReturnType<typeof fanoutJson>; message: string };
  replayed: boolean;
}

/**
 * `POST /api/v1/notifications` with `topic_key`: checked like a single
 * intake (body, request id, the key's rate limit: the request counts once,
 * the subscribers' own limits apply as each page is written), the topic and
 * the template looked up once (404, and 422 for missing variables, before
 * anything is stored), then ONE row in `fanouts`; the fan-out worker does
 * the rest. Idempotent on the request id per API key: a retry answers the
 * same fan-out (with its progress), another body under that id is 409.
 */
export function createFanoutIntake(deps: FanoutIntakeDeps) {
  const answer = (row: FanoutRow, replayed: boolean): FanoutAnswer => ({
    status: 202,
    body: { success: true, data: fanoutJson(row), message: replayed ? 'Fan-out already accepted' : 'Fan-out accepted' },
    replayed,
  });
  const replayOf = (row: FanoutRow, hash: string) => {
    if (row.requestHash !== hash) {
      throw new ConflictError(`request_id ${row.requestId} was already used with a different request`, {
        details: { fanout_id: row.id },
      });
    }
    return answer(row, true);
  };

  return async function accept(apiKeyId: string, request: IntakeRequest): Promise<FanoutAnswer> {
    const parsed = safeParseNullAsAbsent(notificationBody, request.body);
    if (!parsed.success) throw new ValidationError(toFieldIssues(parsed.error), 'request body');
    const choice = recipientChoiceError(parsed.data);
    if (choice) throw choice;
    const requestId = requestIdOf(request, parsed.data.request_id);
    if (requestId instanceof ValidationError) throw requestId;
    const channels = channelsOf(parsed.data.notification_type);
    if (channels.length > 1) {
      throw new ValidationError(
        [{ field: 'notification_type', message: 'a channel list is not supported with topic_key: name one channel' }],
        'request body',
      );
    }
    // a list of one is the string form
    const body = { ...parsed.data, notification_type: channels[0]!, request_id: requestId };
    const topicKey = body.topic_key!;
    const hash = canonicalHash(body);

    const earlier = await deps.store.findByRequestId(apiKeyId, requestId);
    if (earlier) return replayOf(earlier, hash);
    await spendKeyLimit(deps.cache, apiKeyId, deps.limits.perKeyPerMinute);
    const [topic, template] = await Promise.all([
      deps.users.findTopic(topicKey),
      // the default language's version: a subscriber in another language gets theirs as their page is written
      deps.templates.resolve(body.template_code, body.notification_type, 'en'),
    ]);
    if (!topic) throw new NotFoundError(`Topic ${topicKey} not found`);
    if (!template) {
      throw new NotFoundError(`Template ${body.template_code} not found for channel ${body.notification_type}`);
    }
    const missing = missingVariables(template, body.variables);
    if (missing.length > 0) throw new MissingVariablesError(missing);

    const { topic_key: _topic, ...notification } = body;
    const row = await deps.store.insert({
      id: randomUUID(),
      apiKeyId,
      requestId,
      requestHash: hash,
      topicKey,
      request: notification,
      correlationId: request.correlationId,
      traceparent: request.traceparent ?? null,
      state: 'running',
      total: topic.subscriber_count,
    });
    if (!row) {
      // a concurrent twin stored it first
      return replayOf((await deps.store.findByRequestId(apiKeyId, requestId))!, hash);
    }
    deps.onAccepted();
    return answer(row, false);
  };
}

export type FanoutIntake = ReturnType<typeof createFanoutIntake>;

import type { RateLimitDecision } from '../../../shared/cache/cache.js';
import type { AppError } from '../../../shared/errors.js';
import { ValidationError } from '../../../shared/errors.js';
import { toFieldIssues } from '../../../shared/http/validate.js';
import { channelsOf } from '../../../shared/schemas/channel-list.js';
import { safeParseNullAsAbsent } from '../../../shared/schemas/null-as-absent.js';
import { canonicalHash } from './canonical-hash.js';
import { type NotificationBody, type NotificationRequest, notificationBody } from './notification.schemas.js';
import { recipientChoiceError } from './recipient-choice.js';
import { requestIdOf } from './request-id.js';

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
  /** The key's rate-limit state as this request was decided (a request of a round), for `RateLimit-*` headers. */
  rateLimit?: RateLimitDecision | undefined;
}

/** A request whose body is valid: what the later steps work on. */
export interface Item {
  /** Its place among the call's requests (and results). */
  index: number;
  body: NotificationBody;
  requestId: string;
  hash: string;
  request: IntakeRequest;
}

/** A valid request that names its recipient by `external_id`: an {@link Item} once that is resolved. */
export interface UnresolvedItem extends Omit<Item, 'body'> {
  body: NotificationRequest & { external_id: string };
}

/** One call to intake while it runs: its key, the valid items, and each request's result once known. */
export interface IntakeCall {
  apiKeyId: string;
  /** Valid requests with their recipient's user id, in request order. */
  items: Item[];
  /** Valid requests naming their recipient by external id, until step "resolve" makes them items. */
  unresolved: UnresolvedItem[];
  results: IntakeResult[];
}

export function errorResult(error: AppError): IntakeResult {
  return {
    status: error.status,
    replayed: false,
    error,
    body: { success: false, error: error.code, message: error.message, meta: error.details ?? {} },
  };
}

/** The request's item, or the validation error that answers it. */
function itemOf(request: IntakeRequest, index: number): Item | UnresolvedItem | AppError {
  const parsed = safeParseNullAsAbsent(notificationBody, request.body);
  if (!parsed.success) return new ValidationError(toFieldIssues(parsed.error), 'request body');
  const requestId = requestIdOf(request, parsed.data.request_id);
  if (requestId instanceof ValidationError && request.idempotencyKey !== undefined) return requestId;
  const choice = recipientChoiceError(parsed.data, ['user_id', 'external_id']);
  if (choice) return choice;
  if (requestId instanceof ValidationError) return requestId;
  // a list of one channel is the string form (the same request, the same hash)
  const channels = channelsOf(parsed.data.notification_type);
  const notificationType = channels.length === 1 ? channels[0]! : channels;
  const body = { ...parsed.data, notification_type: notificationType, request_id: requestId };
  const hash = canonicalHash(body);
  if (body.user_id !== undefined) return { index, body: { ...body, user_id: body.user_id }, requestId, hash, request };
  return { index, body: { ...body, external_id: body.external_id! }, requestId, hash, request };
}

const isResolved = (item: Item | UnresolvedItem): item is Item => item.body.user_id !== undefined;

/** Step "shape": each request's body parsed; an invalid one is answered here (400) and goes no further. */
export function readRequests(apiKeyId: string, requests: IntakeRequest[]): IntakeCall {
  const call: IntakeCall = { apiKeyId, items: [], unresolved: [], results: new Array(requests.length) };
  requests.forEach((request, index) => {
    const item = itemOf(request, index);
    if (item instanceof Error) call.results[index] = errorResult(item);
    else if (isResolved(item)) call.items.push(item);
    else call.unresolved.push(item);
  });
  return call;
}

/** A call's items by request id: the first of each, and the later ones (repeats) that wait for its answer. */
export interface Twins {
  fresh: Item[];
  repeats: Item[];
  firstOfId: Map<string, Item>;
}

/** Step "twins": the first item of each request id goes on; later ones in the same call wait for its answer. */
export function separateRepeats(items: Item[]): Twins {
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
  return { fresh, repeats, firstOfId };
}

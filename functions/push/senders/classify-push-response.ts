import { parseRetryAfter } from '../../../shared/http/retry-after.js';
import { classifyTransportFailure, type OutboundFailure, REFUSED_BY_POLICY } from '../../../shared/net/outbound-failure.js';
import type { PushProvider, PushResult } from './push-sender.js';

/**
 * The ONE place where an answer of a push service becomes a {@link PushResult}.
 * Adapters only carry answers here; the consumer only acts on the result.
 *
 * Web Push (RFC 8030):
 * | answer | result |
 * |---|---|
 * | 2xx (201) | delivered |
 * | 404, 410 | gone: prune the subscription |
 * | 429 | retry after `Retry-After` |
 * | 5xx, timeout, network error | retry with backoff (counts against the origin's breaker) |
 * | 400, 401, 403 | rejected, configuration error (VAPID keys, JWT): the subscription is kept |
 * | 413 | rejected: payload too large |
 *
 * FCM HTTP v1 (`error.details[].errorCode`):
 * | errorCode | result |
 * |---|---|
 * | UNREGISTERED | gone |
 * | INVALID_ARGUMENT about `message.token` | gone (the token is not a token) |
 * | INVALID_ARGUMENT otherwise | rejected (the message is wrong) |
 * | QUOTA_EXCEEDED | retry after `Retry-After` |
 * | UNAVAILABLE, INTERNAL | retry with backoff (counts against the breaker) |
 * | SENDER_ID_MISMATCH, THIRD_PARTY_AUTH_ERROR | rejected, configuration error |
 */

export type ResponseHeaders = Record<string, string | string[] | undefined> | Headers;

function header(headers: ResponseHeaders, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export interface WebPushAnswer {
  statusCode: number;
  headers: ResponseHeaders;
  body: string;
  /** The endpoint the answer came from: a `Location` is kept only on its origin. */
  endpoint?: string;
}

/**
 * The message URL a push service answers in `Location` (RFC 8030 section
 * 5), kept as the provider message id only when it is a URL on the
 * endpoint's own origin and short: an endpoint cannot write free text
 * into the timeline through it.
 */
function messageLocation(location: string | undefined, endpoint: string | undefined): string | undefined {
  if (!location || !endpoint || location.length > 512) return undefined;
  try {
    const url = new URL(location, endpoint);
    return url.origin === new URL(endpoint).origin ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** Classify one Web Push service answer (see the table above). */
export function classifyWebPushResponse(answer: WebPushAnswer): PushResult {
  const provider: PushProvider = 'web_push';
  const { statusCode } = answer;
  if (statusCode >= 200 && statusCode < 300) {
    const location = messageLocation(header(answer.headers, 'location'), answer.endpoint);
    return { kind: 'delivered', provider, statusCode, ...(location && { providerMessageId: location }) };
  }
  if (statusCode === 404 || statusCode === 410) {
    return {
      kind: 'gone',
      provider,
      statusCode,
      reason: `push service answered ${statusCode}: subscription expired or unsubscribed`,
    };
  }
  if (statusCode === 429) {
    const retryAfterMs = parseRetryAfter(header(answer.headers, 'retry-after'));
    return {
      kind: 'retry',
      provider,
      statusCode,
      reason: 'push service answered 429 (rate limited)',
      ...(retryAfterMs !== undefined && { retryAfterMs }),
      countsAgainstOrigin: false,
    };
  }
  if (statusCode >= 500) {
    const retryAfterMs = parseRetryAfter(header(answer.headers, 'retry-after'));
    return {
      kind: 'retry',
      provider,
      statusCode,
      reason: `push service answered ${statusCode}`,
      ...(retryAfterMs !== undefined && { retryAfterMs }),
      countsAgainstOrigin: true,
    };
  }
  if (statusCode === 400 || statusCode === 401 || statusCode === 403) {
    return {
      kind: 'rejected',
      provider,
      statusCode,
      reason: `push service refused our request with ${statusCode} (check the VAPID keys and subject)`,
      configuration: true,
    };
  }
  if (statusCode === 413) {
    return {
      kind: 'rejected',
      provider,
      statusCode,
      reason: 'push service answered 413: payload too large',
      configuration: false,
    };
  }
  return { kind: 'rejected', provider, statusCode, reason: `push service answered ${statusCode}`, configuration: false };
}

/** The error body of FCM HTTP v1 (google.rpc.Status). */
export interface FcmErrorBody {
  error?: {
    code?: number;
    message?: string;
    status?: string;
    details?: Array<{ '@type'?: string; errorCode?: string; fieldViolations?: Array<{ field?: string; description?: string }> }>;
  };
}

export interface FcmAnswer {
  statusCode: number;
  headers: ResponseHeaders;
  /** Parsed JSON body, or undefined when it was not JSON. */
  body: unknown;
}

/** Classify one FCM v1 `messages:send` answer (see the table above). */
export function classifyFcmResponse(answer: FcmAnswer): PushResult {
  const provider: PushProvider = 'fcm';
  const { statusCode } = answer;
  if (statusCode >= 200 && statusCode < 300) {
    const name = (answer.body as { name?: unknown } | undefined)?.name;
    return { kind: 'delivered', provider, statusCode, ...(typeof name === 'string' && { providerMessageId: name }) };
  }
  const error = (answer.body as FcmErrorBody | undefined)?.error ?? {};
  const details = error.details ?? [];
  const said = details.find((d) => typeof d.errorCode === 'string')?.errorCode ?? error.status;
  // a code is kept only when it looks like one (`UNREGISTERED`); FCM's free-text message never is
  const errorCode = typeof said === 'string' && /^[A-Z][A-Z_]{1,63}$/.test(said) ? said : `HTTP_${statusCode}`;
  const reason = `FCM answered ${statusCode} ${errorCode}`;
  const retryAfterMs = parseRetryAfter(header(answer.headers, 'retry-after'));
  const retry = (countsAgainstOrigin: boolean): PushResult => ({
    kind: 'retry',
    provider,
    statusCode,
    reason,
    ...(retryAfterMs !== undefined && { retryAfterMs }),
    countsAgainstOrigin,
  });

  switch (errorCode) {
    case 'UNREGISTERED':
      return { kind: 'gone', provider, statusCode, reason };
    case 'INVALID_ARGUMENT': {
      const aboutToken =
        details.some((d) => d.fieldViolations?.some((v) => v.field === 'message.token')) ||
        /registration token/i.test(error.message ?? '');
      return aboutToken
        ? { kind: 'gone', provider, statusCode, reason }
        : { kind: 'rejected', provider, statusCode, reason, configuration: false };
    }
    case 'QUOTA_EXCEEDED':
      return retry(false);
    case 'UNAVAILABLE':
    case 'INTERNAL':
      return retry(true);
    case 'SENDER_ID_MISMATCH':
    case 'THIRD_PARTY_AUTH_ERROR':
    case 'PERMISSION_DENIED':
      return { kind: 'rejected', provider, statusCode, reason, configuration: true };
    case 'UNAUTHENTICATED':
      // our access token expired or was revoked: the adapter drops it, the next attempt gets a new one
      return retry(false);
  }
  if (statusCode === 429) return retry(false);
  if (statusCode >= 500) return retry(true);
  if (statusCode === 401) return retry(false);
  if (statusCode === 403 || statusCode === 404) return { kind: 'rejected', provider, statusCode, reason, configuration: true };
  return { kind: 'rejected', provider, statusCode, reason, configuration: false };
}

/**
 * A request that got no answer, as its classified {@link OutboundFailure}:
 * refused by the endpoint policy (a private address, a host that is not a
 * push service) is permanent for the message; a TLS failure is a
 * configuration error (it does not heal by itself); anything else (DNS,
 * timeout, refused or reset connection) is retried and counts against the
 * origin. The reason is the code only, never a socket error's text.
 */
export function classifyOutboundFailure(provider: PushProvider, failure: OutboundFailure): PushResult {
  if (REFUSED_BY_POLICY.has(failure)) {
    return { kind: 'rejected', provider, reason: `push endpoint refused: ${failure}`, configuration: false };
  }
  if (failure === 'tls_error') {
    return { kind: 'rejected', provider, reason: `no answer from the push service: ${failure}`, configuration: true };
  }
  return { kind: 'retry', provider, reason: `no answer from the push service: ${failure}`, countsAgainstOrigin: true };
}

/** A thrown transport error (`fetch`, a socket) classified by its code, as {@link classifyOutboundFailure}. */
export function classifyTransportError(provider: PushProvider, error: unknown): PushResult {
  return classifyOutboundFailure(provider, classifyTransportFailure(error, true));
}

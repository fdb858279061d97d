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

/** `Retry-After` as milliseconds from now: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function trimmed(text: string, max = 300): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max)}...` : oneLine;
}

export interface WebPushAnswer {
  statusCode: number;
  headers: ResponseHeaders;
  body: string;
}

/** Classify one Web Push service answer (see the table above). */
export function classifyWebPushResponse(answer: WebPushAnswer): PushResult {
  const provider: PushProvider = 'web_push';
  const { statusCode } = answer;
  const said = answer.body ? `: ${trimmed(answer.body)}` : '';
  if (statusCode >= 200 && statusCode < 300) {
    const location = header(answer.headers, 'location');
    return { kind: 'delivered', provider, statusCode, ...(location && { providerMessageId: location }) };
  }
  if (statusCode === 404 || statusCode === 410) {
    return { kind: 'gone', provider, statusCode, reason: `push service answered ${statusCode}: subscription expired or unsubscribed` };
  }
  if (statusCode === 429) {
    const retryAfterMs = parseRetryAfter(header(answer.headers, 'retry-after'));
    return {
      kind: 'retry',
      provider,
      statusCode,
      reason: `push service answered 429 (rate limited)${said}`,
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
      reason: `push service answered ${statusCode}${said}`,
      ...(retryAfterMs !== undefined && { retryAfterMs }),
      countsAgainstOrigin: true,
    };
  }
  if (statusCode === 400 || statusCode === 401 || statusCode === 403) {
    return {
      kind: 'rejected',
      provider,
      statusCode,
      reason: `push service refused our request with ${statusCode} (check the VAPID keys and subject)${said}`,
      configuration: true,
    };
  }
  if (statusCode === 413) {
    return { kind: 'rejected', provider, statusCode, reason: 'push service answered 413: payload too large', configuration: false };
  }
  return { kind: 'rejected', provider, statusCode, reason: `push service answered ${statusCode}${said}`, configuration: false };
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
  const errorCode = details.find((d) => typeof d.errorCode === 'string')?.errorCode ?? error.status ?? `HTTP_${statusCode}`;
  const reason = `FCM answered ${statusCode} ${errorCode}${error.message ? `: ${trimmed(error.message)}` : ''}`;
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

/** A request that got no answer (timeout, refused connection, TLS failure): retry, and count it against the origin. */
export function classifyTransportError(provider: PushProvider, error: unknown): PushResult {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const tls = typeof code === 'string' && /CERT|SSL|TLS|UNABLE_TO_VERIFY|SELF_SIGNED/.test(code);
  if (tls) {
    // a certificate problem does not heal by itself; retrying would only hide it
    return { kind: 'rejected', provider, reason: `TLS failure talking to the push service (${code}): ${message}`, configuration: true };
  }
  return {
    kind: 'retry',
    provider,
    reason: `no answer from the push service${typeof code === 'string' ? ` (${code})` : ''}: ${message}`,
    countsAgainstOrigin: true,
  };
}

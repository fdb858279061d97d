/**
 * An error answer of the platform (`{ success: false, error, message, meta }`),
 * or a non-JSON answer, as one exception carrying what callers branch on.
 */
export class NotifyApiError extends Error {
  override readonly name = 'NotifyApiError';
  /** HTTP status of the answer. */
  readonly status: number;
  /** The envelope's `error` code (e.g. `not_found`, `validation_error`, `rate_limited`). */
  readonly code: string;
  /** The envelope's `meta` (field issues, `correlation_id`, ...). */
  readonly meta: Record<string, unknown>;
  /** Seconds from the `Retry-After` header, when the answer had one. */
  readonly retryAfter: number | undefined;

  constructor(init: {
    status: number;
    code: string;
    message: string;
    meta?: Record<string, unknown>;
    retryAfter?: number | undefined;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.meta = init.meta ?? {};
    this.retryAfter = init.retryAfter;
  }
}

/** `Retry-After` as seconds: a number of seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

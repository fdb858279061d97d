/**
 * The one error hierarchy. Every error a handler throws on purpose is an
 * {@link AppError}: it carries a stable snake_case `code`, the HTTP `status`
 * it maps to, whether a retry could help (`retryable`), and the `cause`.
 * `shared/http/envelope.ts` maps it to the response envelope in one place.
 */

export interface FieldIssue {
  field: string;
  message: string;
}

export interface AppErrorOptions {
  cause?: unknown;
  retryable?: boolean;
  /** Extra, safe-to-show facts, returned in the envelope's `meta`. */
  details?: Record<string, unknown>;
  /** Seconds a client should wait before trying again (429, 503). */
  retryAfterSeconds?: number;
}

export class AppError extends Error {
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super('bad_request', 400, message, options);
  }
}

export class MalformedJsonError extends AppError {
  constructor(cause?: unknown) {
    super('malformed_json', 400, 'Request body is not valid JSON', { cause });
  }
}

/** Schema validation failed; every failing field is named. */
export class ValidationError extends AppError {
  constructor(
    readonly fields: FieldIssue[],
    where = 'request',
  ) {
    super('validation_error', 400, `Invalid ${where}: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, {
      details: { fields },
    });
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Authentication required') {
    super('unauthorized', 401, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Not allowed') {
    super('forbidden', 403, message);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super('not_found', 404, message, options);
  }
}

/** A known path called with a method it does not answer; `allow` becomes the `Allow` header. */
export class MethodNotAllowedError extends AppError {
  constructor(
    method: string,
    path: string,
    readonly allow: string[],
  ) {
    super('method_not_allowed', 405, `${method} is not allowed on ${path}; use ${allow.join(', ')}`, {
      details: { allow },
    });
  }
}

export class ConflictError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super('conflict', 409, message, options);
  }
}

/** A user already has as many push devices as allowed (PUSH_MAX_DEVICES_PER_USER); one must go before another comes. */
export class DeviceLimitError extends AppError {
  constructor(readonly limit: number) {
    super('device_limit_reached', 409, `A user may register at most ${limit} push devices; remove one first`, {
      details: { limit },
    });
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super('payload_too_large', 413, `Request body exceeds ${limitBytes} bytes`, { details: { limit_bytes: limitBytes } });
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(contentType: string | undefined) {
    super('unsupported_media_type', 415, `Content-Type must be application/json${contentType ? ` (got ${contentType})` : ''}`);
  }
}

export class UnprocessableError extends AppError {
  constructor(code: string, message: string, options?: AppErrorOptions) {
    super(code, 422, message, options);
  }
}

/** Rendering needs variables the caller did not give. */
export class MissingVariablesError extends UnprocessableError {
  constructor(readonly missing: string[]) {
    super('missing_variables', `Missing required template variables: ${missing.join(', ')}`, {
      details: { missing },
    });
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number, message = 'Too many requests') {
    super('rate_limited', 429, message, { retryAfterSeconds, retryable: true });
  }
}

/** A dependency is down; the caller may retry later. */
export class ServiceUnavailableError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super('service_unavailable', 503, message, { retryable: true, retryAfterSeconds: 5, ...options });
  }
}

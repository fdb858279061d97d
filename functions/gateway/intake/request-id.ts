import { ValidationError } from '../../../shared/errors.js';

/** Same bound as `request_id` in the body; longer keys would not fit the unique index. */
export const MAX_REQUEST_ID = 200;

/**
 * The idempotency key of a request: its `Idempotency-Key` header, else the
 * body's `request_id`; or the 400 that answers a request with neither (or
 * with a header too long).
 */
export function requestIdOf(
  request: { idempotencyKey?: string | undefined },
  bodyRequestId: string | undefined,
): string | ValidationError {
  if (request.idempotencyKey !== undefined && request.idempotencyKey.length > MAX_REQUEST_ID) {
    return new ValidationError([{ field: 'Idempotency-Key', message: `at most ${MAX_REQUEST_ID} characters` }], 'header');
  }
  const requestId = request.idempotencyKey ?? bodyRequestId;
  if (requestId) return requestId;
  return new ValidationError([{ field: 'request_id', message: 'required (or send an Idempotency-Key header)' }], 'request body');
}

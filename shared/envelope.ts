import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isDatabaseUnavailable } from './db/db-errors.js';
import { AppError, MethodNotAllowedError } from './errors.js';
import { currentLogContext } from './logging/context.js';
import type { Logger } from './logging/logger.js';

/**
 * The response envelope of every route:
 * `{ success, data?, error?, message, meta? }`, snake_case throughout.
 */
export interface PageMeta {
  total: number;
  limit: number;
  page: number;
  total_pages: number;
  has_next: boolean;
  has_previous: boolean;
}

/** `meta` of a cursor-paginated list (`shared/http/cursor.ts`): pass `next_cursor` back for the next page. */
export interface CursorMeta {
  limit: number;
  next_cursor: string | null;
  has_next: boolean;
}

export interface SuccessEnvelope<T> {
  success: true;
  data: T;
  message: string;
  meta?: PageMeta | CursorMeta;
}

export interface ErrorEnvelope {
  success: false;
  error: string;
  message: string;
  meta: Record<string, unknown>;
}

export function ok<T>(c: Context, data: T, message = 'ok', status: ContentfulStatusCode = 200) {
  return c.json<SuccessEnvelope<T>>({ success: true, data, message }, status);
}

export function pageMeta(total: number, page: number, limit: number): PageMeta {
  const totalPages = Math.max(1, Math.ceil(total / limit));
  return { total, limit, page, total_pages: totalPages, has_next: page < totalPages, has_previous: page > 1 };
}

export function okPage<T>(c: Context, data: T[], meta: PageMeta, message = 'ok') {
  return c.json<SuccessEnvelope<T[]>>({ success: true, data, message, meta });
}

export function okCursorPage<T>(c: Context, data: T[], meta: CursorMeta, message = 'ok') {
  return c.json<SuccessEnvelope<T[]>>({ success: true, data, message, meta });
}

export function errorEnvelope(code: string, message: string, meta: Record<string, unknown> = {}): ErrorEnvelope {
  return { success: false, error: code, message, meta: { correlation_id: currentLogContext().correlation_id, ...meta } };
}

/**
 * The one place an error becomes an HTTP response. An {@link AppError} keeps
 * its status and code; Hono's own exceptions keep their status; a lost
 * database connection is a 503 with `Retry-After`; anything else is an
 * unexpected 500, logged with its stack and shown without detail.
 */
const DATABASE_RETRY_AFTER_SECONDS = 2;

export function createErrorHandler(logger: Logger) {
  return function handleError(err: Error, c: Context): Response {
    if (err instanceof AppError) {
      if (err instanceof MethodNotAllowedError) c.header('Allow', err.allow.join(', '));
      if (err.retryAfterSeconds !== undefined) c.header('Retry-After', String(err.retryAfterSeconds));
      if (err.status >= 500) logger.error({ err }, err.message);
      return c.json(errorEnvelope(err.code, err.message, err.details), err.status as ContentfulStatusCode);
    }
    if (err instanceof HTTPException) {
      const status = err.status as ContentfulStatusCode;
      return c.json(errorEnvelope(status >= 500 ? 'internal_error' : 'bad_request', err.message || 'Bad request'), status);
    }
    if (isDatabaseUnavailable(err)) {
      logger.error({ err }, 'database unavailable');
      c.header('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
      return c.json(errorEnvelope('service_unavailable', 'The database is unavailable; try again shortly'), 503);
    }
    logger.error({ err }, 'unhandled error');
    return c.json(errorEnvelope('internal_error', 'Internal server error'), 500);
  };
}

export function notFoundHandler(c: Context): Response {
  return c.json(errorEnvelope('not_found', `No route for ${c.req.method} ${c.req.path}`), 404);
}

import type { z } from 'zod';

/** HTTP methods an operation may use (lowercase, as OpenAPI keys them). */
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Who may call an operation:
 * - `none`: public;
 * - `send`: an API key with scope `send` (or `admin`);
 * - `admin`: an API key with scope `admin`;
 * - `any`: any valid credential (API key or user token);
 * - `user`: a user token for the `:user_id` in the path, or an admin key;
 * - `signed-link`: no credential, a signature in the query string;
 * - `inbox`: a user token or an inbox embed token (the request acts as that user).
 */
export type OperationAuth = 'none' | 'send' | 'admin' | 'any' | 'user' | 'signed-link' | 'inbox';

/** A documented success answer: the `data` of the envelope (a list adds the pagination `meta`). */
export interface SuccessResponse {
  description: string;
  /** Schema of `data`; omitted: any value. */
  data?: z.ZodType;
  /** `data` is a page of a list: the envelope carries the pagination `meta`. */
  list?: boolean;
  /** `data` is a page of a cursor-paginated list: the envelope carries the cursor `meta`. */
  cursor?: boolean;
  /** The body is not the envelope: this schema is the whole body (e.g. the 207 of a batch). */
  body?: z.ZodType;
}

/**
 * One documented route. Request schemas are the SAME zod schemas the route
 * validates with (`validate('json' | 'query' | 'param', schema)`), so the
 * document cannot drift from the code silently.
 */
export interface OperationSpec {
  method: HttpMethod;
  /** Hono path pattern, e.g. `/api/v1/users/:user_id`. */
  path: string;
  /** Unique across the merged gateway document. */
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  auth: OperationAuth;
  request?: {
    /** Path parameters; undeclared `:name` segments are documented as strings. */
    params?: z.ZodType;
    query?: z.ZodType;
    body?: z.ZodType;
    /** Body media type; default `application/json`. */
    contentType?: string;
    /**
     * The parser the route really runs, when it is a function rather than a
     * zod schema (e.g. the channel-dependent template bodies): the example
     * test runs documented examples through it too.
     */
    parse?: (raw: unknown) => unknown;
  };
  /** Success answers by status (e.g. `{ 201: { description, data } }`). */
  responses: Record<number, SuccessResponse>;
  /** Error statuses beyond the ones derived from auth and request (e.g. 409, 422, 429). */
  errors?: number[];
  /** Request examples; each must pass the request schemas (tested). */
  examples?: {
    params?: Record<string, string>;
    query?: Record<string, string>;
    body?: unknown;
  };
}

/** Identity-preserving helper that types a function's list of operations. */
export function defineOperations(operations: OperationSpec[]): OperationSpec[] {
  return operations;
}

/** `/api/v1/users/:user_id` -> `/api/v1/users/{user_id}`. */
export function toOpenApiPath(path: string): string {
  return path.replace(/:(\w+)/g, '{$1}');
}

/** The `:name` segments of a Hono path pattern. */
export function pathParamNames(path: string): string[] {
  return [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
}

import { z } from 'zod';
import { documentNullAsAbsent } from '../schemas/null-as-absent.js';
import { type OperationAuth, type OperationSpec, pathParamNames, toOpenApiPath } from './operation.js';

/** A JSON Schema / OpenAPI object, as plain JSON. */
export type JsonObject = Record<string, unknown>;

/** An OpenAPI 3.1 document (the parts this module writes). */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description?: string; license: { name: string; identifier: string } };
  servers: Array<{ url: string; description?: string }>;
  tags: Array<{ name: string; description?: string }>;
  paths: Record<string, Record<string, JsonObject>>;
  components: {
    schemas: Record<string, JsonObject>;
    responses: Record<string, JsonObject>;
    securitySchemes: Record<string, JsonObject>;
  };
}

export interface BuildDocumentOptions {
  title: string;
  version: string;
  description?: string;
  /** Default: `/`, the host that serves the document. */
  servers?: Array<{ url: string; description?: string }>;
  /** Descriptions of tags used by the operations. */
  tags?: Record<string, string>;
  operations: OperationSpec[];
}

/** Error statuses every document can name, with their component and description. */
export const ERROR_RESPONSES: Record<number, { name: string; description: string }> = {
  400: {
    name: 'BadRequest',
    description: 'Malformed JSON or invalid fields (`error: validation_failed` names every failing field in `meta.fields`).',
  },
  401: { name: 'Unauthorized', description: 'Missing, unknown, expired or revoked credential.' },
  403: { name: 'Forbidden', description: 'The credential lacks the scope, or does not own the resource.' },
  404: { name: 'NotFound', description: 'No such resource (or not visible to this credential).' },
  409: { name: 'Conflict', description: 'Conflicts with the current state (duplicate, or a state that no longer allows it).' },
  413: { name: 'PayloadTooLarge', description: 'The body exceeds the body limit.' },
  415: { name: 'UnsupportedMediaType', description: 'The body is not `application/json`.' },
  422: { name: 'Unprocessable', description: 'Well-formed but not processable (e.g. missing template variables).' },
  429: {
    name: 'RateLimited',
    description: 'Rate limited: retry after `Retry-After` seconds (`RateLimit-*` headers tell the budget).',
  },
  500: { name: 'InternalError', description: 'Unexpected error; the body carries only the correlation id.' },
  503: {
    name: 'ServiceUnavailable',
    description: 'A dependency (database, queue, another function) is down: retry after `Retry-After`.',
  },
};

const SECURITY_SCHEME = 'bearer';

/** The project's licence (`LICENSE`), shown by every document. */
const LICENSE = { name: 'Apache-2.0', identifier: 'Apache-2.0' };

/** Relative to where the document is served: the function (or the gateway) that serves it. */
const DEFAULT_SERVER = { url: '/', description: 'The host that serves this document' };

const AUTH_TEXT: Record<OperationAuth, string> = {
  none: 'Public: no credential.',
  send: 'Needs an API key with scope `send` (or `admin`).',
  admin: 'Needs an API key with scope `admin`.',
  any: 'Needs any valid credential: an API key or a user token (what is shown depends on it).',
  user: 'Needs a user token of the `user_id` in the path, or an API key with scope `admin`.',
  'signed-link': 'No credential: the signature in the query string is the credential.',
  inbox:
    "Needs a user token, or an inbox embed token (`POST /api/v1/inbox/tokens`): the request reads and marks that user's inbox only.",
};

const BASE_SCHEMAS: Record<string, JsonObject> = {
  PageMeta: {
    type: 'object',
    description: 'Pagination of a list answer.',
    required: ['total', 'limit', 'page', 'total_pages', 'has_next', 'has_previous'],
    properties: {
      total: { type: 'integer', minimum: 0 },
      limit: { type: 'integer', minimum: 1 },
      page: { type: 'integer', minimum: 1 },
      total_pages: { type: 'integer', minimum: 1 },
      has_next: { type: 'boolean' },
      has_previous: { type: 'boolean' },
    },
  },
  CursorMeta: {
    type: 'object',
    description: 'Cursor pagination of a list answer: pass `next_cursor` as `?cursor=` for the next page.',
    required: ['limit', 'next_cursor', 'has_next'],
    properties: {
      limit: { type: 'integer', minimum: 1 },
      next_cursor: { type: ['string', 'null'] },
      has_next: { type: 'boolean' },
    },
  },
  FieldIssue: {
    type: 'object',
    required: ['field', 'message'],
    properties: { field: { type: 'string', examples: ['email'] }, message: { type: 'string' } },
  },
  ErrorEnvelope: {
    type: 'object',
    description: 'Every failure: a machine-readable `error` code, a human `message`, and `meta` (always the `correlation_id`).',
    required: ['success', 'error', 'message', 'meta'],
    properties: {
      success: { const: false },
      error: { type: 'string', examples: ['validation_failed', 'not_found', 'rate_limited'] },
      message: { type: 'string' },
      meta: {
        type: 'object',
        properties: {
          correlation_id: { type: 'string' },
          fields: { type: 'array', items: { $ref: '#/components/schemas/FieldIssue' } },
        },
        additionalProperties: true,
      },
    },
  },
};

/**
 * A record keyed by an enumeration (`z.record(z.enum(CHANNELS), ...)`)
 * comes out as `propertyNames` + `additionalProperties` + `required`: its
 * keys are spelled out as `properties`, so every required name is defined.
 */
function spellOutEnumKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(spellOutEnumKeys);
  if (value === null || typeof value !== 'object') return value;
  const node = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, spellOutEnumKeys(v)])) as JsonObject;
  const keys = (node.propertyNames as JsonObject | undefined)?.enum;
  const each = node.additionalProperties;
  if (Array.isArray(keys) && each && typeof each === 'object' && !node.properties) {
    const { propertyNames: _names, additionalProperties: _each, ...rest } = node;
    return { ...rest, properties: Object.fromEntries(keys.map((key) => [String(key), each])), additionalProperties: false };
  }
  return node;
}

/** A query or path example as the parameter's schema types it (`'2'` for an integer is `2`). */
function typedExample(example: string, schema: JsonObject): unknown {
  const type = schema.type;
  if ((type === 'integer' || type === 'number') && example.trim() !== '' && Number.isFinite(Number(example))) {
    return Number(example);
  }
  if (type === 'boolean' && (example === 'true' || example === 'false')) return example === 'true';
  return example;
}

/** Only the components a document refers to (directly or through other components). */
function usedComponents(paths: OpenApiDocument['paths'], components: OpenApiDocument['components']) {
  const used = new Set<string>();
  const visit = (value: unknown) => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string' && child.startsWith('#/components/') && !used.has(child)) {
        used.add(child);
        const [, , kind, name] = child.split('/');
        visit((components as Record<string, Record<string, unknown>>)[kind!]?.[name!]);
      } else visit(child);
    }
  };
  visit(paths);
  const keep = (kind: 'schemas' | 'responses', all: Record<string, JsonObject>) =>
    Object.fromEntries(Object.entries(all).filter(([name]) => used.has(`#/components/${kind}/${name}`)));
  const secured = Object.values(paths).some((item) =>
    Object.values(item).some((op) => ((op.security as unknown[] | undefined) ?? []).length > 0),
  );
  return {
    schemas: keep('schemas', components.schemas),
    responses: keep('responses', components.responses),
    securitySchemes: secured ? components.securitySchemes : {},
  };
}

/** One zod schema as a JSON Schema (2020-12, the dialect of OpenAPI 3.1), its `$defs` hoisted into `defs`. */
export function toJsonSchema(
  schema: z.ZodType,
  io: 'input' | 'output',
  defs: Record<string, JsonObject>,
  prefix: string,
): JsonObject {
  const converted = spellOutEnumKeys(
    z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonObject,
  ) as JsonObject;
  const { $schema: _dialect, $defs, ...rest } = converted;
  if (!$defs) return rest;
  const renamed = new Map<string, string>();
  for (const name of Object.keys($defs as JsonObject)) renamed.set(`#/$defs/${name}`, `#/components/schemas/${prefix}_${name}`);
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k === '$ref' && typeof v === 'string'
          ? v === '#'
            ? `#/components/schemas/${prefix}`
            : (renamed.get(v) ?? v)
          : rewrite(v),
      ]),
    );
  };
  for (const [name, def] of Object.entries($defs as JsonObject)) defs[`${prefix}_${name}`] = rewrite(def) as JsonObject;
  // a self-reference (`#`) needs the root itself as a component
  const root = rewrite(rest) as JsonObject;
  if (JSON.stringify(root).includes(`"#/components/schemas/${prefix}"`)) defs[prefix] = root;
  return root;
}

function parameters(
  location: 'path' | 'query',
  schema: z.ZodType | undefined,
  names: string[],
  examples: Record<string, string> | undefined,
  defs: Record<string, JsonObject>,
  prefix: string,
): JsonObject[] {
  const json = schema ? toJsonSchema(schema, 'input', defs, prefix) : { properties: {} };
  const properties = (json.properties ?? {}) as Record<string, JsonObject>;
  const required = new Set((json.required as string[] | undefined) ?? []);
  const all = location === 'path' ? names : Object.keys(properties);
  return all.map((name) => ({
    name,
    in: location,
    required: location === 'path' || required.has(name),
    schema: properties[name] ?? { type: 'string' },
    ...(examples?.[name] !== undefined && { example: typedExample(examples[name], properties[name] ?? {}) }),
  }));
}

function successEnvelope(data: JsonObject | undefined, meta: 'PageMeta' | 'CursorMeta' | undefined): JsonObject {
  return {
    type: 'object',
    required: ['success', 'data', 'message', ...(meta ? ['meta'] : [])],
    properties: {
      success: { const: true },
      data: data ?? {},
      message: { type: 'string' },
      ...(meta && { meta: { $ref: `#/components/schemas/${meta}` } }),
    },
  };
}

/** The error statuses an operation can answer, from its auth and request, plus its own. */
export function errorStatusesOf(op: OperationSpec): number[] {
  const statuses = new Set<number>([500, 503, ...(op.errors ?? [])]);
  const hasParams = pathParamNames(op.path).length > 0;
  if (op.request?.body || op.request?.query || op.request?.params || hasParams) statuses.add(400);
  if (op.auth !== 'none' && op.auth !== 'signed-link') statuses.add(401);
  if (op.auth !== 'none' && op.auth !== 'any') statuses.add(403);
  if (hasParams) statuses.add(404);
  if (op.request?.body) {
    statuses.add(413);
    if ((op.request.contentType ?? 'application/json') === 'application/json') statuses.add(415);
  }
  return [...statuses].sort((a, b) => a - b);
}

function operationObject(op: OperationSpec, defs: Record<string, JsonObject>): JsonObject {
  const prefix = op.operationId;
  const responses: Record<string, JsonObject> = {};
  for (const [status, answer] of Object.entries(op.responses)) {
    const data = answer.data ? toJsonSchema(answer.data, 'output', defs, `${prefix}_${status}`) : undefined;
    const schema = answer.body
      ? toJsonSchema(answer.body, 'output', defs, `${prefix}_${status}`)
      : successEnvelope(data, answer.cursor ? 'CursorMeta' : answer.list ? 'PageMeta' : undefined);
    responses[status] = { description: answer.description, content: { 'application/json': { schema } } };
  }
  for (const status of errorStatusesOf(op)) {
    responses[String(status)] ??= { $ref: `#/components/responses/${ERROR_RESPONSES[status]!.name}` };
  }
  const contentType = op.request?.contentType ?? 'application/json';
  return {
    operationId: op.operationId,
    summary: op.summary,
    description: [op.description, AUTH_TEXT[op.auth]].filter(Boolean).join('\n\n'),
    tags: op.tags,
    security: op.auth === 'none' || op.auth === 'signed-link' ? [] : [{ [SECURITY_SCHEME]: [] }],
    'x-auth': op.auth,
    parameters: [
      ...parameters('path', op.request?.params, pathParamNames(op.path), op.examples?.params, defs, `${prefix}_params`),
      ...parameters('query', op.request?.query, [], op.examples?.query, defs, `${prefix}_query`),
    ],
    ...(op.request?.body && {
      requestBody: {
        required: true,
        content: {
          [contentType]: {
            schema: documentNullAsAbsent(toJsonSchema(op.request.body, 'input', defs, `${prefix}_body`)),
            ...(op.examples?.body !== undefined && { example: op.examples.body }),
          },
        },
      },
    }),
    responses,
  };
}

/**
 * Build an OpenAPI 3.1 document from operation specs: request schemas from
 * the routes' own zod schemas (`io: 'input'`), success bodies wrapped in
 * the response envelope, and the error envelope on every error status the
 * operation can answer (400/401/403/404/409/413/415/422/429/500/503).
 */
export function buildOpenApiDocument(options: BuildDocumentOptions): OpenApiDocument {
  const defs: Record<string, JsonObject> = {};
  const paths: OpenApiDocument['paths'] = {};
  const seen = new Set<string>();
  for (const op of options.operations) {
    if (seen.has(op.operationId)) throw new Error(`duplicate operationId ${op.operationId}`);
    seen.add(op.operationId);
    const path = toOpenApiPath(op.path);
    const item = (paths[path] ??= {});
    if (item[op.method]) throw new Error(`${op.method.toUpperCase()} ${op.path} is documented twice`);
    item[op.method] = operationObject(op, defs);
  }
  const tagNames = [...new Set(options.operations.flatMap((op) => op.tags))];
  return {
    openapi: '3.1.0',
    info: {
      title: options.title,
      version: options.version,
      ...(options.description && { description: options.description }),
      license: LICENSE,
    },
    servers: options.servers ?? [DEFAULT_SERVER],
    tags: tagNames.map((name) => ({ name, ...(options.tags?.[name] && { description: options.tags[name] }) })),
    paths,
    components: usedComponents(paths, {
      schemas: { ...BASE_SCHEMAS, ...defs },
      responses: Object.fromEntries(
        Object.values(ERROR_RESPONSES).map(({ name, description }) => [
          name,
          { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } } },
        ]),
      ),
      securitySchemes: {
        [SECURITY_SCHEME]: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key (`Authorization: Bearer <key>`) or a user token from `POST /api/v1/auth/login`.',
        },
      },
    }),
  };
}

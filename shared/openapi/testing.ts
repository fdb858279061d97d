import type { Hono } from 'hono';
import type { JsonObject, OpenApiDocument } from './build-document.js';
import { type OperationSpec, toOpenApiPath } from './operation.js';

/** Routes a coverage test leaves out: health, metrics, the docs, the dashboard's page, the inbox component's script, and calls between functions. */
export const UNDOCUMENTED_ROUTE = /^\/(health(\/.*)?|metrics|openapi\.json|docs|dashboard(\/.*)?|inbox\.js|internal\/.*)$/;

const normalise = (path: string) => (path.length > 1 ? path.replace(/\/+$/, '') : path);

/** `METHOD /path` of every endpoint registered in `app` (middleware `ALL` entries and {@link UNDOCUMENTED_ROUTE} left out). */
// biome-ignore lint/suspicious/noExplicitAny: takes an app of any environment
export function registeredRoutes(app: Hono<any>): string[] {
  const routes = app.routes
    .filter((r) => r.method !== 'ALL' && !UNDOCUMENTED_ROUTE.test(normalise(r.path)))
    .map((r) => `${r.method} ${toOpenApiPath(normalise(r.path))}`);
  return [...new Set(routes)].sort();
}

/** `METHOD /path` of every operation in a document. */
export function documentedRoutes(document: OpenApiDocument): string[] {
  return Object.entries(document.paths)
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

/** Every problem with the document's structure (empty when it is a sound OpenAPI 3.1 document). */
export function structuralProblems(document: OpenApiDocument): string[] {
  const problems: string[] = [];
  if (document.openapi !== '3.1.0') problems.push(`openapi is ${document.openapi}`);
  if (!document.info?.title || !document.info.version) problems.push('info needs title and version');
  const ids = new Set<string>();
  const resolves = (ref: string) => {
    if (!ref.startsWith('#/')) return false;
    let node: unknown = document;
    for (const part of ref.slice(2).split('/')) {
      if (node === null || typeof node !== 'object') return false;
      node = (node as JsonObject)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    return node !== undefined;
  };
  const walk = (value: unknown, where: string) => {
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) walk(v, `${where}/${i}`);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && (typeof child !== 'string' || !resolves(child)))
        problems.push(`${where}: $ref ${String(child)} does not resolve`);
      walk(child, `${where}/${key}`);
    }
  };
  for (const [path, item] of Object.entries(document.paths)) {
    if (!path.startsWith('/')) problems.push(`path ${path} does not start with /`);
    const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    for (const [method, raw] of Object.entries(item)) {
      const op = raw as JsonObject;
      const where = `${method.toUpperCase()} ${path}`;
      if (!['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'].includes(method))
        problems.push(`${where}: not a method`);
      const id = op.operationId as string | undefined;
      if (!id) problems.push(`${where}: no operationId`);
      else if (ids.has(id)) problems.push(`${where}: operationId ${id} is not unique`);
      else ids.add(id);
      const params = (op.parameters ?? []) as JsonObject[];
      const pathParams = params.filter((p) => p.in === 'path').map((p) => p.name);
      if (JSON.stringify([...pathParams].sort()) !== JSON.stringify([...templated].sort())) {
        problems.push(`${where}: path parameters ${pathParams.join(',')} do not match the template`);
      }
      if (params.some((p) => p.in === 'path' && p.required !== true)) problems.push(`${where}: a path parameter is not required`);
      const responses = op.responses as JsonObject | undefined;
      if (!responses || Object.keys(responses).length === 0) problems.push(`${where}: no responses`);
      for (const status of Object.keys(responses ?? {}))
        if (!/^[1-5]\d\d$/.test(status)) problems.push(`${where}: response key ${status}`);
      for (const s of (op.security ?? []) as JsonObject[]) {
        for (const name of Object.keys(s))
          if (!document.components.securitySchemes[name]) problems.push(`${where}: unknown security scheme ${name}`);
      }
    }
  }
  walk(document, '#');
  return problems;
}

/** Every documented request example that its own schemas (and the route's parser) refuse. */
export async function exampleProblems(operations: OperationSpec[]): Promise<string[]> {
  const problems: string[] = [];
  for (const op of operations) {
    const where = `${op.method.toUpperCase()} ${op.path}`;
    const check = (
      part: string,
      schema: { safeParse(v: unknown): { success: boolean; error?: unknown } } | undefined,
      value: unknown,
    ) => {
      if (!schema || value === undefined) return;
      const result = schema.safeParse(value);
      if (!result.success) problems.push(`${where}: ${part} example is refused: ${String(result.error)}`);
    };
    check('params', op.request?.params, op.examples?.params);
    check('query', op.request?.query, op.examples?.query);
    check('body', op.request?.body, op.examples?.body);
    if (op.request?.parse && op.examples?.body !== undefined) {
      try {
        await op.request.parse(op.examples.body);
      } catch (error) {
        problems.push(`${where}: body example is refused by the route's parser: ${String(error)}`);
      }
    }
    if (op.request?.body && op.examples?.body === undefined) problems.push(`${where}: a body without an example`);
    if (op.request?.params && op.examples?.params === undefined) problems.push(`${where}: path parameters without an example`);
  }
  return problems;
}

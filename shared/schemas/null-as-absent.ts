import { z } from 'zod';

type Path = PropertyKey[];

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function valueAt(root: unknown, path: Path): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** Paths (from the root) of every issue that names a `null` held by an object's field, unions' branches included. */
function nullFieldPaths(issues: readonly z.core.$ZodIssue[], root: unknown, base: Path = []): Path[] {
  const found: Path[] = [];
  for (const issue of issues) {
    const path = [...base, ...issue.path];
    if (issue.code === 'invalid_union') {
      for (const branch of issue.errors) found.push(...nullFieldPaths(branch, root, path));
    } else if (path.length > 0 && valueAt(root, path) === null && isPlainObject(valueAt(root, path.slice(0, -1)))) {
      found.push(path);
    }
  }
  return found;
}

/** A copy of `value` without the fields at `paths` (only the objects on those paths are copied). */
function withoutFields(value: unknown, paths: Path[]): unknown {
  const copy = (node: unknown): unknown => (Array.isArray(node) ? [...node] : isPlainObject(node) ? { ...node } : node);
  const root = copy(value);
  for (const path of paths) {
    let node = root as Record<PropertyKey, unknown>;
    for (const key of path.slice(0, -1)) node = node[key] = copy(node[key]) as Record<PropertyKey, unknown>;
    delete node[path.at(-1)!];
  }
  return root;
}

const samePath = (a: Path, b: Path) => a.length === b.length && a.every((key, i) => key === b[i]);

/**
 * Parse a request value with `schema`, reading `null` in an optional field as
 * the field being absent, at any depth: what many clients serialise for an
 * optional field they leave out. A field whose schema accepts `null` keeps it
 * (e.g. `description: null` clears a description); a required field sent as
 * `null` is still refused, with the message of the first attempt.
 *
 * Every request body goes through here (the `validate` middleware, and the
 * routes that parse bodies in code): one rule for every route, no field
 * written twice. A value that parses costs one parse; only a refused one
 * with `null` fields is parsed again without them.
 */
export function safeParseNullAsAbsent<S extends z.ZodType>(schema: S, value: unknown): z.ZodSafeParseResult<z.output<S>> {
  const first = schema.safeParse(value);
  if (first.success) return first;
  const nulls = nullFieldPaths(first.error.issues, value);
  if (nulls.length === 0) return first;
  const second = schema.safeParse(withoutFields(value, nulls));
  if (second.success) return second;
  // a required field sent as null: "expected string, received null" says more than "received undefined"
  const issues = second.error.issues.map(
    (issue) =>
      first.error.issues.find((original) => samePath(original.path, issue.path) && nulls.some((p) => samePath(p, issue.path))) ??
      issue,
  );
  return { success: false, error: new z.ZodError(issues) } as z.ZodSafeParseResult<z.output<S>>;
}

/** {@link safeParseNullAsAbsent}, throwing the `ZodError` of a refused value. */
export function parseNullAsAbsent<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = safeParseNullAsAbsent(schema, value);
  if (!result.success) throw result.error;
  return result.data;
}

type Json = Record<string, unknown>;

const acceptsNull = (schema: Json): boolean =>
  schema.type === 'null' ||
  (Array.isArray(schema.type) && schema.type.includes('null')) ||
  (Array.isArray(schema.enum) && schema.enum.includes(null)) ||
  schema.const === null ||
  (Array.isArray(schema.anyOf) && (schema.anyOf as Json[]).some(acceptsNull)) ||
  (Array.isArray(schema.oneOf) && (schema.oneOf as Json[]).some(acceptsNull));

/**
 * The JSON Schema of a request body as {@link safeParseNullAsAbsent} reads
 * it: every optional property, at any depth, also accepts `null`. The
 * OpenAPI documents use it, so what they show is what the routes take.
 */
export function documentNullAsAbsent<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map(documentNullAsAbsent) as T;
  if (schema === null || typeof schema !== 'object') return schema;
  const node = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, documentNullAsAbsent(v)])) as Json;
  if (isPlainObject(node.properties)) {
    const required = new Set((node.required as string[] | undefined) ?? []);
    node.properties = Object.fromEntries(
      Object.entries(node.properties as Record<string, Json>).map(([name, property]) => [
        name,
        required.has(name) || acceptsNull(property) ? property : orNull(property),
      ]),
    );
  }
  return node as T;
}

function orNull(property: Json): Json {
  if (typeof property.type === 'string' && property.const === undefined) {
    const widened: Json = { ...property, type: [property.type, 'null'] };
    if (Array.isArray(property.enum)) widened.enum = [...property.enum, null];
    return widened;
  }
  const { description, default: fallback, ...rest } = property;
  const wrapped: Json = { anyOf: [rest, { type: 'null' }] };
  if (description !== undefined) wrapped.description = description;
  if (fallback !== undefined) wrapped.default = fallback;
  return wrapped;
}

import type { JsonObject, OpenApiDocument } from './build-document.js';

/**
 * Fields of an answer that its documented schema lacks, as JSON paths
 * (`data.timeline[0].extra`): what a test asserts empty so a route cannot
 * answer more than its OpenAPI document says. Only names are checked (the
 * types are the zod schemas' and TypeScript's business); `anyOf`/`oneOf`
 * pass when one branch knows every field.
 */
export function undocumentedFields(document: OpenApiDocument, schema: JsonObject, value: unknown, at = ''): string[] {
  const resolved = resolve(document, schema);
  const branches = (resolved.anyOf ?? resolved.oneOf) as JsonObject[] | undefined;
  if (branches) {
    const results = branches.map((branch) => undocumentedFields(document, branch, value, at));
    return results.find((r) => r.length === 0) ?? results.reduce((a, b) => (b.length < a.length ? b : a));
  }
  if (Array.isArray(value)) {
    const items = resolved.items as JsonObject | undefined;
    return items ? value.flatMap((item, i) => undocumentedFields(document, items, item, `${at}[${i}]`)) : [];
  }
  if (value === null || typeof value !== 'object') return [];
  const properties = resolved.properties as Record<string, JsonObject> | undefined;
  const extra = resolved.additionalProperties;
  return Object.entries(value).flatMap(([key, child]) => {
    const path = at ? `${at}.${key}` : key;
    const known = properties?.[key] ?? (extra && typeof extra === 'object' ? (extra as JsonObject) : undefined);
    if (known) return undocumentedFields(document, known, child, path);
    // a schema without properties (a free-form object, `{}`) documents any field
    return properties || extra === false ? [path] : [];
  });
}

function resolve(document: OpenApiDocument, schema: JsonObject): JsonObject {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  const [, , kind, name] = ref.split('/');
  return resolve(document, (document.components as Record<string, Record<string, JsonObject>>)[kind!]![name!]!);
}

/** The documented schema of an answer: the operation matching method and path, at that status. */
export function answerSchema(document: OpenApiDocument, method: string, path: string, status: number): JsonObject | undefined {
  const clean = path.split('?')[0]!.replace(/(.)\/+$/, '$1');
  for (const [template, item] of Object.entries(document.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`);
    if (!pattern.test(clean)) continue;
    const op = item[method.toLowerCase()];
    const answer = (op?.responses as Record<string, JsonObject> | undefined)?.[String(status)];
    if (!answer) continue;
    const content = resolve(document, answer).content as Record<string, { schema: JsonObject }> | undefined;
    return content?.['application/json']?.schema;
  }
  return undefined;
}

import type { ValidationTargets } from 'hono';
import { validator } from 'hono/validator';
import type { z } from 'zod';
import { type FieldIssue, ValidationError } from '../errors.js';
import { safeParseNullAsAbsent } from '../schemas/null-as-absent.js';

const WHERE: Partial<Record<keyof ValidationTargets, string>> = {
  json: 'request body',
  query: 'query string',
  param: 'path parameter',
  header: 'header',
};

export function toFieldIssues(error: z.ZodError, prefix = ''): FieldIssue[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(root)',
    message: issue.message,
  }));
}

/**
 * Validate one part of the request with a zod schema (`null` in an optional
 * field reads as absent: {@link safeParseNullAsAbsent}). Failure is a
 * {@link ValidationError} (400) naming every failing field; the route reads
 * the typed result with `c.req.valid(target)`.
 */
export function validate<Target extends 'json' | 'query' | 'param', Schema extends z.ZodType>(target: Target, schema: Schema) {
  return validator(target, (value): z.output<Schema> => {
    const result = safeParseNullAsAbsent(schema, value);
    if (!result.success) throw new ValidationError(toFieldIssues(result.error), WHERE[target]);
    return result.data;
  });
}

/** What a step's expressions may name: `payload` (the trigger's) and, after a digest, `events`. */
export interface StepScope {
  payload: Record<string, unknown>;
  events?: Array<Record<string, unknown>>;
}

const EXPRESSION = /\{\{\s*([A-Za-z_][\w]*(?:\.[\w]+)*)\s*\}\}/g;
const WHOLE = /^\{\{\s*([A-Za-z_][\w]*(?:\.[\w]+)*)\s*\}\}$/;

function lookUp(scope: StepScope, path: string): unknown {
  let value: unknown = scope;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

const asText = (value: unknown) =>
  value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);

/**
 * `{{ payload.thread_id }}` and the like, in a digest key or a step's
 * variables. A string that is one expression takes the value as it is (a
 * list stays a list); expressions inside longer text are written as text
 * (absent values as nothing). Only own properties are read.
 */
export function renderValue(template: unknown, scope: StepScope): unknown {
  if (typeof template !== 'string') return template;
  const whole = WHOLE.exec(template);
  if (whole) return lookUp(scope, whole[1]!);
  return template.replace(EXPRESSION, (_, path: string) => asText(lookUp(scope, path)));
}

/** A digest key as text. */
export const renderKey = (template: string, scope: StepScope): string => asText(renderValue(template, scope));

/**
 * The variables a send step renders its template with: the payload, then
 * `events` after a digest, then the step's own `variables` (rendered).
 */
export function stepVariables(overrides: Record<string, unknown> | undefined, scope: StepScope): Record<string, unknown> {
  const variables: Record<string, unknown> = { ...scope.payload };
  if (scope.events) variables.events = scope.events;
  for (const [name, template] of Object.entries(overrides ?? {})) variables[name] = renderValue(template, scope);
  return variables;
}

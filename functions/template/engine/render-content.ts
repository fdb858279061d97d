import { MissingVariablesError } from '../../../shared/errors.js';
import type { Channel } from '../../../shared/schemas/channels.js';
import type { RenderedContent, RenderedInApp, RenderedPush } from '../../../shared/schemas/rendered-content.js';
import {
  type EmailContent,
  IN_APP_URL_FIELDS,
  type InAppContent,
  isHttpUrl,
  PUSH_URL_FIELDS,
  type PushContent,
  type TemplateContent,
  type VariableDeclaration,
} from './content.js';
import { htmlToText } from './html-to-text.js';
import { type OutputMode, type TemplateEngine, TemplateRenderFailure } from './template-engine.js';
import {
  RenderFailedError,
  type SyntaxProblem,
  TemplateLimitError,
  TemplateSyntaxError,
  UndeclaredVariablesError,
} from './template-errors.js';

/** A push or in-app content: a title, a body, URL fields and data, all plain text. */
type CardContent = Partial<Record<string, string>> & { title: string; body: string; data?: Record<string, string> };

/** The URL fields of a push or in-app content. */
const urlFieldsOf = (channel: Exclude<Channel, 'email'>): readonly string[] =>
  channel === 'push' ? PUSH_URL_FIELDS : IN_APP_URL_FIELDS;

interface SourceField {
  /** Path on the wire, used in error messages: `content.subject`, `content.data.deep_link`. */
  field: string;
  source: string;
  mode: OutputMode;
}

/** Every liquid source of a content, with the output mode it renders in (only email html escapes). */
function sourceFields(channel: Channel, content: TemplateContent): SourceField[] {
  if (channel === 'email') {
    const email = content as EmailContent;
    const fields: SourceField[] = [
      { field: 'content.subject', source: email.subject, mode: 'text' },
      { field: 'content.html', source: email.html, mode: 'html' },
    ];
    if (email.text !== undefined) fields.push({ field: 'content.text', source: email.text, mode: 'text' });
    return fields;
  }
  const card = content as CardContent;
  const fields: SourceField[] = [
    { field: 'content.title', source: card.title, mode: 'text' },
    { field: 'content.body', source: card.body, mode: 'text' },
  ];
  for (const key of urlFieldsOf(channel)) {
    const value = card[key];
    if (value !== undefined) fields.push({ field: `content.${key}`, source: value, mode: 'text' });
  }
  for (const [key, value] of Object.entries(card.data ?? {})) {
    fields.push({ field: `content.data.${key}`, source: value, mode: 'text' });
  }
  return fields;
}

/**
 * Save-time check of a version: every field parses (else
 * {@link TemplateSyntaxError} with line and column, or
 * {@link TemplateLimitError} when a field is too long to parse) and reads only declared
 * variables (else {@link UndeclaredVariablesError}), so a saved version can
 * always be rendered and its required variables checked up front.
 */
export function assertContentCompiles(
  engine: TemplateEngine,
  channel: Channel,
  content: TemplateContent,
  declarations: VariableDeclaration[],
): void {
  const problems: SyntaxProblem[] = [];
  const used = new Set<string>();
  for (const { field, source } of sourceFields(channel, content)) {
    const result = engine.check(source);
    if (!result.ok && result.problem.limit) throw new TemplateLimitError(field, result.problem.limit);
    if (result.ok) for (const name of result.variables) used.add(name);
    else problems.push({ field, ...result.problem });
  }
  if (problems.length > 0) throw new TemplateSyntaxError(problems);
  const declared = new Set(declarations.map((d) => d.name));
  const undeclared = [...used].filter((name) => !declared.has(name)).sort();
  if (undeclared.length > 0) throw new UndeclaredVariablesError(undeclared);
}

/** A variable counts as given unless it is undefined, null or the empty string. */
function isMissing(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** The required variables a render call lacks, in declaration order. */
export function missingVariables(declarations: VariableDeclaration[], variables: Record<string, unknown>): string[] {
  return declarations
    .filter((d) => d.required && isMissing(Object.hasOwn(variables, d.name) ? variables[d.name] : undefined))
    .map((d) => d.name);
}

async function renderField(engine: TemplateEngine, field: SourceField, variables: Record<string, unknown>): Promise<string> {
  try {
    return await engine.render(field.source, variables, field.mode);
  } catch (err) {
    if (err instanceof TemplateRenderFailure) {
      if (err.limit) throw new TemplateLimitError(field.field, err.limit, { cause: err });
      throw new RenderFailedError(`Rendering ${field.field} failed: ${err.message}`, { cause: err, field: field.field });
    }
    throw err;
  }
}

/**
 * Render a version's content with the caller's variables. Missing required
 * variables are a {@link MissingVariablesError} (422) naming them. Email:
 * html is escaped, subject and text are not; text is derived from the
 * rendered html when the version has none; line breaks in the subject are
 * flattened (a header must stay one line). Push and in-app: URL fields must
 * render to an http(s) URL, and are left out when they render empty.
 */
export async function renderContent(
  engine: TemplateEngine,
  channel: Channel,
  content: TemplateContent,
  declarations: VariableDeclaration[],
  variables: Record<string, unknown>,
): Promise<RenderedContent> {
  const missing = missingVariables(declarations, variables);
  if (missing.length > 0) throw new MissingVariablesError(missing);

  const fields = sourceFields(channel, content);
  const rendered = await Promise.all(fields.map((f) => renderField(engine, f, variables)));
  const out = new Map(fields.map((f, i) => [f.field, rendered[i]!]));

  if (channel === 'email') {
    const html = out.get('content.html')!;
    return {
      subject: out
        .get('content.subject')!
        .replace(/[\r\n]+/g, ' ')
        .trim(),
      html,
      text: out.get('content.text') ?? htmlToText(html),
    };
  }

  const card: CardContent = { title: out.get('content.title')!, body: out.get('content.body')! };
  for (const key of urlFieldsOf(channel)) {
    const value = out.get(`content.${key}`)?.trim();
    if (!value) continue;
    if (!isHttpUrl(value)) {
      throw new RenderFailedError(`content.${key} rendered to '${value}', which is not an http(s) URL`, {
        field: `content.${key}`,
      });
    }
    card[key] = value;
  }
  const data = Object.keys((content as PushContent | InAppContent).data ?? {});
  if (data.length > 0) card.data = Object.fromEntries(data.map((key) => [key, out.get(`content.data.${key}`)!]));
  return card as RenderedPush | RenderedInApp;
}

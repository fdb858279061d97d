import { z } from 'zod';
import { ValidationError } from '../../../shared/errors.js';
import { paginationQuery } from '../../../shared/http/pagination.js';
import { toFieldIssues } from '../../../shared/http/validate.js';
import { type Channel, channelSchema } from '../../../shared/schemas/channels.js';
import { safeParseNullAsAbsent } from '../../../shared/schemas/null-as-absent.js';
import type { RenderedContent } from '../../../shared/schemas/rendered-content.js';
import { contentSchemaOf, languageSchema, type TemplateContent, variableDeclarationsSchema } from '../engine/content.js';
import type { renderedResponse, resolvedResponse, templateResponse, versionResponse } from './template.responses.js';
import type { AddVersionInput, CreateTemplateInput, ResolvedVersion } from './template-service.js';
import type { ActiveVersions, TemplateRecord, VersionRecord } from './template-store.js';

/**
 * The wire format of the template routes, in one place: snake_case request
 * schemas that parse into camelCase inputs, and the mappers that turn
 * records back into snake_case responses.
 */

export const templateCodeSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,99}$/, 'must be 1-100 lowercase letters, digits, _ . - (e.g. welcome_email)');

const categorySchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,49}$/, 'must be 1-50 lowercase letters, digits, _ -');
const descriptionSchema = z.string().trim().max(500);

// ---- path and query -------------------------------------------------------

export const codeParam = z.object({ code: templateCodeSchema });
export const versionParam = z.object({ code: templateCodeSchema, version: z.coerce.number().int().min(1).max(2_147_483_647) });

export const channelQuery = z.object({ channel: channelSchema.optional() });
/** Internal callers always know the channel they deliver on. */
export const requiredChannelQuery = z.object({ channel: channelSchema });

export const listTemplatesQuery = paginationQuery.extend({
  channel: channelSchema.optional(),
  category: categorySchema.optional(),
});

export const getTemplateQuery = z.object({
  channel: channelSchema.optional(),
  language: languageSchema.optional(),
  version: z.coerce.number().int().min(1).max(2_147_483_647).optional(),
});

export const internalResolveQuery = requiredChannelQuery.extend({ language: languageSchema.optional() });

export const listVersionsQuery = paginationQuery.extend({
  channel: channelSchema.optional(),
  language: languageSchema.optional(),
});

// ---- bodies ----------------------------------------------------------------

const versionFields = {
  content: z.unknown(),
  variables: variableDeclarationsSchema,
};

/** The first version is always in the default language: it ends every fallback chain. */
const createTemplateBody = z.strictObject({
  template_code: templateCodeSchema,
  channel: channelSchema,
  category: categorySchema,
  default_language: languageSchema.default('en'),
  description: descriptionSchema.optional(),
  ...versionFields,
});

const addVersionBody = z.strictObject({
  ...versionFields,
  /** Defaults to the template's default language. */
  language: languageSchema.optional(),
  /** `false` saves the version without making it live (a draft); the current one stays active. */
  activate: z.boolean().default(true),
});

export const patchTemplateBody = z
  .strictObject({
    category: categorySchema.optional(),
    default_language: languageSchema.optional(),
    description: descriptionSchema.nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'give at least one of category, default_language, description' });

export const renderBody = z.strictObject({
  variables: z.record(z.string(), z.unknown()).default({}),
  language: languageSchema.optional(),
  version: z.number().int().min(1).max(2_147_483_647).optional(),
});

export const internalRenderBody = z.strictObject({ variables: z.record(z.string(), z.unknown()).default({}) });

/**
 * Parse a body whose `content` shape depends on the channel, reporting every
 * failing field at once (base fields and content fields together), which a
 * single zod object cannot do because refinements stop at the first failing
 * level.
 */
function parseWithContent<S extends z.ZodType<{ content: unknown }>>(
  schema: S,
  raw: unknown,
  channel: Channel | undefined,
): Omit<z.output<S>, 'content'> & { content: TemplateContent } {
  const base = safeParseNullAsAbsent(schema, raw);
  const issues = base.success ? [] : toFieldIssues(base.error);
  let content: TemplateContent | undefined;
  if (channel) {
    const rawContent = typeof raw === 'object' && raw !== null ? (raw as { content?: unknown }).content : undefined;
    const parsed = safeParseNullAsAbsent(contentSchemaOf(channel), rawContent);
    if (parsed.success) content = parsed.data;
    else issues.push(...toFieldIssues(parsed.error, 'content'));
  }
  // dedupe: a missing `content` would otherwise be named by both schemas
  const unique = issues.filter((issue, i) => issues.findIndex((o) => o.field === issue.field) === i);
  if (unique.length > 0 || !base.success || !content) throw new ValidationError(unique, 'request body');
  return { ...base.data, content };
}

export function parseCreateTemplate(raw: unknown): CreateTemplateInput {
  const rawChannel = channelSchema.safeParse((raw as { channel?: unknown } | null)?.channel);
  const body = parseWithContent(createTemplateBody, raw, rawChannel.success ? rawChannel.data : undefined);
  return {
    templateCode: body.template_code,
    channel: body.channel,
    category: body.category,
    defaultLanguage: body.default_language,
    description: body.description ?? null,
    content: body.content,
    variables: body.variables,
  };
}

export function parseAddVersion(raw: unknown, channel: Channel): AddVersionInput {
  const body = parseWithContent(addVersionBody, raw, channel);
  return { language: body.language, content: body.content, variables: body.variables, activate: body.activate };
}

export function fromPatchBody(body: z.output<typeof patchTemplateBody>) {
  return {
    ...(body.category !== undefined ? { category: body.category } : {}),
    ...(body.default_language !== undefined ? { defaultLanguage: body.default_language } : {}),
    ...(body.description !== undefined ? { description: body.description } : {}),
  };
}

// ---- responses -------------------------------------------------------------

export function templateToWire(t: TemplateRecord, active: ActiveVersions): z.output<typeof templateResponse> {
  return {
    id: t.id,
    template_code: t.templateCode,
    channel: t.channel,
    category: t.category,
    default_language: t.defaultLanguage,
    description: t.description,
    /** Active version number per language, e.g. `{ "en": 3, "fr": 1 }`. */
    active_versions: active,
    created_at: t.createdAt.toISOString(),
    updated_at: t.updatedAt.toISOString(),
  };
}

export function versionToWire(v: VersionRecord, active: ActiveVersions): z.output<typeof versionResponse> {
  return {
    id: v.id,
    version: v.version,
    language: v.language,
    is_active: active[v.language] === v.version,
    content: v.content,
    variables: v.variables,
    created_at: v.createdAt.toISOString(),
  };
}

export function resolvedToWire(
  t: TemplateRecord,
  resolved: ResolvedVersion,
  active: ActiveVersions,
): z.output<typeof resolvedResponse> {
  return {
    ...templateToWire(t, active),
    requested_language: resolved.requestedLanguage,
    version: versionToWire(resolved.version, active),
  };
}

export function renderedToWire(
  t: TemplateRecord,
  resolved: ResolvedVersion,
  content: RenderedContent,
): z.output<typeof renderedResponse> {
  return {
    template_code: t.templateCode,
    channel: t.channel,
    category: t.category,
    requested_language: resolved.requestedLanguage,
    language: resolved.version.language,
    version: resolved.version.version,
    content: { ...content },
  };
}

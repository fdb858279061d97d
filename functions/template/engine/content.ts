import { z } from 'zod';
import type { Channel } from '../../../shared/schemas/channels.js';

/**
 * What a template version holds, per channel, and the declared variables.
 * These keys are single words, identical on the wire and in TypeScript, so
 * the same schemas validate request bodies and type the jsonb columns.
 */

/** Fields that hold a URL; checked at save time when static, after rendering otherwise. */
export const PUSH_URL_FIELDS = ['image', 'url', 'icon'] as const;

const MAX_TEMPLATE_CHARS = 100_000;
const LIQUID_MARKUP = /\{\{|\{%/;

/** A liquid source that may contain markup; its syntax is checked by the engine, not here. */
const source = (max = MAX_TEMPLATE_CHARS) => z.string().max(max);

/** True for an absolute http(s) URL. */
export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** A URL field: static text must be an http(s) URL now; one built from variables is checked once rendered. */
const urlSource = source(2048).refine((v) => LIQUID_MARKUP.test(v) || isHttpUrl(v), {
  message: 'must be an absolute http(s) URL (or a template that renders to one)',
});

export const emailContentSchema = z.strictObject({
  subject: source(998).min(1),
  html: source().min(1),
  /** Plain-text part; derived from the rendered html when absent. */
  text: source().min(1).optional(),
});

/** Extra key/values for the client app; each value is a template too. */
const dataSource = z
  .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, 'keys are letters, digits, _ . -'), source(1024))
  .refine((d) => Object.keys(d).length <= 32, { message: 'at most 32 keys' });

export const pushContentSchema = z.strictObject({
  title: source(256).min(1),
  body: source(4096).min(1),
  image: urlSource.optional(),
  url: urlSource.optional(),
  icon: urlSource.optional(),
  data: dataSource.optional(),
});

/** Fields of an in-app item that hold a URL. */
export const IN_APP_URL_FIELDS = ['action_url', 'avatar_url'] as const;

/** An in-app inbox item: what the feed shows (title, body), where a click goes, whose avatar, app data. */
export const inAppContentSchema = z.strictObject({
  title: source(256).min(1),
  body: source(4096).min(1),
  action_url: urlSource.optional(),
  avatar_url: urlSource.optional(),
  data: dataSource.optional(),
});

export type EmailContent = z.output<typeof emailContentSchema>;
export type PushContent = z.output<typeof pushContentSchema>;
export type InAppContent = z.output<typeof inAppContentSchema>;
export type TemplateContent = EmailContent | PushContent | InAppContent;

const CONTENT_SCHEMAS = {
  email: emailContentSchema,
  push: pushContentSchema,
  in_app: inAppContentSchema,
} as const satisfies Record<Channel, z.ZodType>;

export function contentSchemaOf(channel: Channel) {
  return CONTENT_SCHEMAS[channel];
}

/** Names usable as `{{name}}`: a liquid identifier without dots or brackets. */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export const variableDeclarationSchema = z.strictObject({
  name: z.string().regex(VARIABLE_NAME, 'must start with a letter or _ and hold only letters, digits and _ (max 64)'),
  required: z.boolean().default(true),
});

export type VariableDeclaration = z.output<typeof variableDeclarationSchema>;

/** A variable given by its name alone (the shorthand `["name", "link"]`): a required one. */
const variableShorthandSchema = variableDeclarationSchema.shape.name.transform(
  (name): VariableDeclaration => ({ name, required: true }),
);

export const variableDeclarationsSchema = z
  .array(z.union([variableShorthandSchema, variableDeclarationSchema]))
  .max(100)
  .default([])
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((v, i) => {
      if (seen.has(v.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `'${v.name}' is declared twice` });
      seen.add(v.name);
    });
  });

/** A BCP 47 language tag, canonicalised (`fr-ca` -> `fr-CA`) so lookups match whatever case a caller sends. */
export const languageSchema = z
  .string()
  .min(2)
  .max(35)
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, 'must be a language tag such as en, fr or fr-CA')
  .transform((tag, ctx) => {
    try {
      return Intl.getCanonicalLocales(tag)[0]!;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not a valid language tag' });
      return z.NEVER;
    }
  });

/**
 * The languages to try, most specific first: `zh-Hant-TW` -> `zh-Hant` ->
 * `zh` -> the template's default language.
 */
export function languageFallbackChain(requested: string | undefined, defaultLanguage: string): string[] {
  const chain: string[] = [];
  if (requested) {
    const parts = requested.split('-');
    for (let n = parts.length; n >= 1; n--) chain.push(parts.slice(0, n).join('-'));
  }
  chain.push(defaultLanguage);
  return [...new Set(chain)];
}

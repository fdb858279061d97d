import { z } from 'zod';
import { buildOpenApiDocument, type OpenApiDocument } from '../../shared/openapi/build-document.js';
import { defineOperations } from '../../shared/openapi/operation.js';
import { channelSchema } from '../../shared/schemas/channels.js';
import { languageSchema, variableDeclarationsSchema } from './engine/content.js';
import {
  contentResponse as content,
  renderedResponse as rendered,
  resolvedResponse as resolved,
  templateResponse as template,
  versionResponse as version,
} from './templates/template.responses.js';
import {
  channelQuery,
  codeParam,
  getTemplateQuery,
  listTemplatesQuery,
  listVersionsQuery,
  parseAddVersion,
  parseCreateTemplate,
  patchTemplateBody,
  renderBody,
  templateCodeSchema,
  versionParam,
} from './templates/wire.js';

// ---- request bodies the routes parse in code --------------------------------

const patchFields = patchTemplateBody.shape;

/**
 * The create body as `parseCreateTemplate` reads it (its zod object is not
 * exported and holds `content: unknown`); built from the same field schemas.
 * Examples also run through `parseCreateTemplate` itself.
 */
const createTemplateDoc = z.strictObject({
  template_code: templateCodeSchema,
  channel: channelSchema,
  category: patchFields.category.unwrap(),
  default_language: languageSchema.default('en'),
  description: patchFields.description.unwrap().unwrap().optional(),
  content: content.describe(
    '`{ subject, html, text? }` for email, `{ title, body, image?, url?, icon?, data? }` for push, `{ title, body, action_url?, avatar_url?, data? }` for in_app',
  ),
  variables: variableDeclarationsSchema,
});

const addVersionDoc = z.strictObject({
  content,
  variables: variableDeclarationsSchema,
  language: languageSchema.optional().describe("Defaults to the template's default language"),
  activate: z.boolean().default(true).describe('`false` saves a draft; the current version stays active'),
});

// ---- responses (what `wire.ts` writes) ---------------------------------------

const CODE = { code: 'order_shipped' };

/** Every public operation of the template function (`/internal/*` is not documented). */
export const TEMPLATE_OPERATIONS = defineOperations([
  {
    method: 'post',
    path: '/api/v1/templates',
    operationId: 'createTemplate',
    summary: 'Create a template with its first version',
    tags: ['templates'],
    auth: 'admin',
    request: { body: createTemplateDoc, parse: parseCreateTemplate },
    responses: { 201: { description: 'Template created', data: template.extend({ version }) } },
    errors: [409],
    examples: {
      body: {
        template_code: 'order_shipped',
        channel: 'email',
        category: 'orders',
        default_language: 'en',
        content: {
          subject: 'Your order {{order_id}} shipped',
          html: '<p>Hi {{name}}, order <b>{{order_id}}</b> is on its way.</p>',
        },
        variables: [
          { name: 'name', required: true },
          { name: 'order_id', required: true },
        ],
      },
    },
  },
  {
    method: 'get',
    path: '/api/v1/templates',
    operationId: 'listTemplates',
    summary: 'List templates',
    tags: ['templates'],
    auth: 'send',
    request: { query: listTemplatesQuery },
    responses: { 200: { description: 'A page of templates', data: z.array(template), list: true } },
    examples: { query: { channel: 'email', page: '1', limit: '20' } },
  },
  {
    method: 'get',
    path: '/api/v1/templates/:code',
    operationId: 'getTemplate',
    summary: 'Read a template with the version a language resolves to',
    description:
      "`?version=` pins an exact version; otherwise the active version of `language`, its parents, then the default language. Without `?channel=` the answer is the first channel's variant, with every channel variant of the code in `variants`.",
    tags: ['templates'],
    auth: 'send',
    request: { params: codeParam, query: getTemplateQuery },
    responses: {
      200: {
        description: 'The template and its resolved version',
        data: resolved.extend({
          variants: z.array(resolved).optional().describe('Every channel variant of the code (only without `?channel=`)'),
        }),
      },
    },
    examples: { params: CODE, query: { language: 'fr-CA' } },
  },
  {
    method: 'patch',
    path: '/api/v1/templates/:code',
    operationId: 'updateTemplate',
    summary: "Change a template's category, default language or description",
    tags: ['templates'],
    auth: 'admin',
    request: { params: codeParam, query: channelQuery, body: patchTemplateBody },
    responses: { 200: { description: 'Template updated', data: template } },
    examples: { params: CODE, body: { description: 'Sent when an order leaves the warehouse' } },
  },
  {
    method: 'post',
    path: '/api/v1/templates/:code/render',
    operationId: 'renderTemplate',
    summary: 'Render a preview with variables',
    tags: ['templates'],
    auth: 'send',
    request: { params: codeParam, query: channelQuery, body: renderBody },
    responses: { 200: { description: 'Rendered', data: rendered } },
    errors: [422],
    examples: { params: CODE, body: { variables: { name: 'Ada', order_id: 'A-42' } } },
  },
  {
    method: 'post',
    path: '/api/v1/templates/:code/versions',
    operationId: 'addTemplateVersion',
    summary: 'Add a version (active by default)',
    tags: ['versions'],
    auth: 'admin',
    request: { params: codeParam, query: channelQuery, body: addVersionDoc, parse: (raw) => parseAddVersion(raw, 'email') },
    responses: { 201: { description: 'Version created', data: version } },
    examples: {
      params: CODE,
      body: {
        content: { subject: 'Shipped: order {{order_id}}', html: '<p>{{name}}, order {{order_id}} left the warehouse.</p>' },
        variables: [
          { name: 'name', required: true },
          { name: 'order_id', required: true },
        ],
      },
    },
  },
  {
    method: 'get',
    path: '/api/v1/templates/:code/versions',
    operationId: 'listTemplateVersions',
    summary: "List a template's versions",
    tags: ['versions'],
    auth: 'send',
    request: { params: codeParam, query: listVersionsQuery },
    responses: { 200: { description: 'A page of versions', data: z.array(version), list: true } },
    examples: { params: CODE, query: { language: 'en' } },
  },
  {
    method: 'get',
    path: '/api/v1/templates/:code/versions/:version',
    operationId: 'getTemplateVersion',
    summary: 'Read one version',
    tags: ['versions'],
    auth: 'send',
    request: { params: versionParam, query: channelQuery },
    responses: { 200: { description: 'The version', data: version } },
    examples: { params: { ...CODE, version: '2' } },
  },
  {
    method: 'post',
    path: '/api/v1/templates/:code/versions/:version/activate',
    operationId: 'activateTemplateVersion',
    summary: 'Make a version the active one of its language (rollback)',
    tags: ['versions'],
    auth: 'admin',
    request: { params: versionParam, query: channelQuery },
    responses: {
      200: { description: 'Version activated', data: version.extend({ previous_active_version: z.int().nullable() }) },
    },
    examples: { params: { ...CODE, version: '1' } },
  },
]);

export const TEMPLATE_TAGS: Record<string, string> = {
  templates: 'Templates per channel, with language fallback and preview rendering',
  versions: 'The immutable version history of a template',
};

/** The template function's OpenAPI document (`GET /openapi.json` on port 8002). */
export function buildTemplateOpenApi(): OpenApiDocument {
  return buildOpenApiDocument({
    title: 'Notification platform: template function',
    version: '1.0.0',
    description: 'Templates, immutable versions, language fallback and rendering.',
    tags: TEMPLATE_TAGS,
    operations: TEMPLATE_OPERATIONS,
  });
}

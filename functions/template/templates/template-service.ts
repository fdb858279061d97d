import { ConflictError, NotFoundError, UnprocessableError } from '../../../shared/errors.js';
import type { Logger } from '../../../shared/logging/logger.js';
import { CHANNELS, type Channel } from '../../../shared/schemas/channels.js';
import type { RenderedContent } from '../../../shared/schemas/rendered-content.js';
import { languageFallbackChain, type TemplateContent, type VariableDeclaration } from '../engine/content.js';
import { assertContentCompiles, renderContent } from '../engine/render-content.js';
import type { TemplateEngine } from '../engine/template-engine.js';
import { AmbiguousChannelError } from '../engine/template-errors.js';
import type {
  ActiveVersions,
  NewVersion,
  Page,
  TemplatePatch,
  TemplateRecord,
  TemplateStore,
  VersionRecord,
} from './template-store.js';

/** A new template with its first version, as the create route parses it. */
export interface CreateTemplateInput {
  templateCode: string;
  channel: Channel;
  category: string;
  defaultLanguage: string;
  description: string | null;
  content: TemplateContent;
  variables: VariableDeclaration[];
}

/** A further version of a template. */
export interface AddVersionInput {
  language: string | undefined;
  content: TemplateContent;
  variables: VariableDeclaration[];
  activate: boolean;
}

/** A version picked for a request, and the language the caller asked for (null: the default). */
export interface ResolvedVersion {
  version: VersionRecord;
  requestedLanguage: string | null;
}

/** Which version to use: an exact number, or the active one for a language (with fallback). */
export interface VersionSelector {
  language?: string | undefined;
  version?: number | undefined;
}

export interface TemplateService {
  create(input: CreateTemplateInput): Promise<{ template: TemplateRecord; version: VersionRecord }>;
  /** The one template with this code (on `channel` when given). */
  find(code: string, channel?: Channel): Promise<TemplateRecord>;
  /** Every channel variant of this code, in channel order (404 when there is none). */
  variants(code: string): Promise<TemplateRecord[]>;
  list(filter: { channel?: Channel; category?: string; limit: number; offset: number }): Promise<Page<TemplateRecord>>;
  activeVersions(templateIds: string[]): Promise<Map<string, ActiveVersions>>;
  resolve(template: TemplateRecord, selector: VersionSelector): Promise<ResolvedVersion>;
  update(template: TemplateRecord, patch: TemplatePatch): Promise<TemplateRecord>;
  addVersion(template: TemplateRecord, input: AddVersionInput): Promise<VersionRecord>;
  listVersions(
    template: TemplateRecord,
    filter: { language?: string; limit: number; offset: number },
  ): Promise<Page<VersionRecord>>;
  getVersion(template: TemplateRecord, version: number): Promise<VersionRecord>;
  /** Make a version the active one for its language again (rollback); returns the version it replaced, if any. */
  activate(template: TemplateRecord, version: number): Promise<{ version: VersionRecord; previous: number | null }>;
  render(template: TemplateRecord, version: VersionRecord, variables: Record<string, unknown>): Promise<RenderedContent>;
}

export interface TemplateServiceDeps {
  store: TemplateStore;
  engine: TemplateEngine;
  logger: Logger;
}

/**
 * The template rules, free of HTTP: one template per (code, channel),
 * versions checked before they are saved and never changed after, language
 * fallback, and rendering with required-variable checks.
 */
export function createTemplateService({ store, engine, logger }: TemplateServiceDeps): TemplateService {
  function checkVersion(channel: Channel, version: NewVersion) {
    assertContentCompiles(engine, channel, version.content, version.variables);
  }

  async function matchingTemplates(code: string, channel: Channel | undefined): Promise<TemplateRecord[]> {
    const found = await store.findByCode(code);
    const matching = channel ? found.filter((t) => t.channel === channel) : found;
    if (matching.length === 0) {
      throw new NotFoundError(`Template '${code}' not found${channel ? ` for channel '${channel}'` : ''}`, {
        details: { template_code: code, ...(channel ? { channel } : {}) },
      });
    }
    return matching;
  }

  async function getVersion(template: TemplateRecord, version: number): Promise<VersionRecord> {
    const found = await store.findVersion(template.id, version);
    if (!found) throw new NotFoundError(`Template '${template.templateCode}' (${template.channel}) has no version ${version}`);
    return found;
  }

  return {
    async create(input) {
      const first: NewVersion = { language: input.defaultLanguage, content: input.content, variables: input.variables };
      checkVersion(input.channel, first);
      const created = await store.createTemplate(
        {
          templateCode: input.templateCode,
          channel: input.channel,
          category: input.category,
          defaultLanguage: input.defaultLanguage,
          description: input.description,
        },
        first,
      );
      if (!created) {
        throw new ConflictError(`Template '${input.templateCode}' already exists for channel '${input.channel}'`, {
          details: { template_code: input.templateCode, channel: input.channel },
        });
      }
      logger.info({ template_code: input.templateCode, channel: input.channel }, 'template created');
      return created;
    },

    async find(code, channel) {
      const matching = await matchingTemplates(code, channel);
      if (matching.length > 1)
        throw new AmbiguousChannelError(
          code,
          matching.map((t) => t.channel),
        );
      return matching[0]!;
    },

    async variants(code) {
      const matching = await matchingTemplates(code, undefined);
      return matching.sort((a, b) => CHANNELS.indexOf(a.channel) - CHANNELS.indexOf(b.channel));
    },

    list: (filter) => store.listTemplates(filter),
    activeVersions: (ids) => store.activeVersionsOf(ids),

    async resolve(template, { language, version }) {
      const requestedLanguage = language ?? null;
      if (version !== undefined) return { version: await getVersion(template, version), requestedLanguage };
      const chain = languageFallbackChain(language, template.defaultLanguage);
      for (const candidate of chain) {
        const active = await store.findActiveVersion(template.id, candidate);
        if (active) return { version: active, requestedLanguage };
      }
      throw new NotFoundError(`Template '${template.templateCode}' has no active version for ${chain.join(', ')}`, {
        details: { languages_tried: chain },
      });
    },

    async update(template, patch) {
      if (patch.defaultLanguage && patch.defaultLanguage !== template.defaultLanguage) {
        const active = await store.findActiveVersion(template.id, patch.defaultLanguage);
        if (!active) {
          throw new UnprocessableError(
            'no_active_version',
            `Language '${patch.defaultLanguage}' has no active version; add one before making it the default`,
          );
        }
      }
      const updated = await store.updateTemplate(template.id, patch);
      if (!updated) throw new NotFoundError(`Template '${template.templateCode}' not found`);
      return updated;
    },

    async addVersion(template, input) {
      const version: NewVersion = {
        language: input.language ?? template.defaultLanguage,
        content: input.content,
        variables: input.variables,
      };
      checkVersion(template.channel, version);
      const created = await store.addVersion(template.id, version, input.activate);
      logger.info(
        { template_code: template.templateCode, channel: template.channel, version: created.version, activated: input.activate },
        'template version added',
      );
      return created;
    },

    listVersions: (template, filter) => store.listVersions(template.id, filter),
    getVersion,

    async activate(template, number) {
      const version = await getVersion(template, number);
      const current = await store.findActiveVersion(template.id, version.language);
      if (current?.id !== version.id) await store.activateVersion(version);
      logger.info(
        { template_code: template.templateCode, channel: template.channel, version: number, previous: current?.version ?? null },
        'template version activated',
      );
      return { version, previous: current?.version ?? null };
    },

    render: (template, version, variables) =>
      renderContent(engine, template.channel, version.content, version.variables, variables),
  };
}

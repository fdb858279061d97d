import { and, count, desc, eq, max, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../../shared/db/create-db.js';
import { inList } from '../../../shared/db/in-list.js';
import type { Channel } from '../../../shared/schemas/channels.js';
import type { TemplateContent, VariableDeclaration } from '../engine/content.js';
import { templateActiveVersions, templates, templateVersions } from '../schema.js';

export type TemplateRecord = typeof templates.$inferSelect;
export type VersionRecord = typeof templateVersions.$inferSelect;

export interface NewTemplate {
  templateCode: string;
  channel: Channel;
  category: string;
  defaultLanguage: string;
  description?: string | null;
}

export interface NewVersion {
  language: string;
  content: TemplateContent;
  variables: VariableDeclaration[];
}

export interface TemplatePatch {
  category?: string;
  defaultLanguage?: string;
  description?: string | null;
}

export interface Page<T> {
  items: T[];
  total: number;
}

/** Active version number per language of one template, e.g. `{ en: 3, fr: 2 }`. */
export type ActiveVersions = Record<string, number>;

/**
 * Port: the template function's data access, over its own tables only.
 * Versions are append-only; activation moves a per-language pointer.
 */
export interface TemplateStore {
  /** Insert a template with its first (active) version; `null` when (code, channel) already exists. */
  createTemplate(template: NewTemplate, first: NewVersion): Promise<{ template: TemplateRecord; version: VersionRecord } | null>;
  /** Every template with this code: none, or one per channel. */
  findByCode(templateCode: string): Promise<TemplateRecord[]>;
  listTemplates(filter: { channel?: Channel; category?: string; limit: number; offset: number }): Promise<Page<TemplateRecord>>;
  activeVersionsOf(templateIds: string[]): Promise<Map<string, ActiveVersions>>;
  updateTemplate(templateId: string, patch: TemplatePatch): Promise<TemplateRecord | null>;
  /** Append a version numbered after the template's last; optionally make it active for its language. */
  addVersion(templateId: string, version: NewVersion, activate: boolean): Promise<VersionRecord>;
  findVersion(templateId: string, version: number): Promise<VersionRecord | null>;
  findActiveVersion(templateId: string, language: string): Promise<VersionRecord | null>;
  listVersions(templateId: string, filter: { language?: string; limit: number; offset: number }): Promise<Page<VersionRecord>>;
  /** Make `version` the active one for its language (a rollback when it is older). */
  activateVersion(version: VersionRecord): Promise<void>;
}

/** Build a {@link TemplateStore} over a drizzle database (Postgres or PGlite). */
export function createTemplateStore(db: Db): TemplateStore {
  const setActive = (tx: Db, version: VersionRecord) =>
    tx
      .insert(templateActiveVersions)
      .values({ templateId: version.templateId, language: version.language, versionId: version.id })
      .onConflictDoUpdate({
        target: [templateActiveVersions.templateId, templateActiveVersions.language],
        set: { versionId: version.id, updatedAt: sql`now()` },
      });

  return {
    async createTemplate(template, first) {
      return db.transaction(async (tx) => {
        const [created] = await tx
          .insert(templates)
          .values({ ...template, description: template.description ?? null })
          .onConflictDoNothing({ target: [templates.templateCode, templates.channel] })
          .returning();
        if (!created) return null;
        const [version] = await tx
          .insert(templateVersions)
          .values({ templateId: created.id, version: 1, ...first })
          .returning();
        await setActive(tx as unknown as Db, version!);
        return { template: created, version: version! };
      });
    },

    findByCode(templateCode) {
      return db.select().from(templates).where(eq(templates.templateCode, templateCode)).orderBy(templates.channel);
    },

    async listTemplates({ channel, category, limit, offset }) {
      const conditions: SQL[] = [];
      if (channel) conditions.push(eq(templates.channel, channel));
      if (category) conditions.push(eq(templates.category, category));
      const where = conditions.length > 0 ? and(...conditions) : undefined;
      const [items, [total]] = await Promise.all([
        db.select().from(templates).where(where).orderBy(templates.templateCode, templates.channel).limit(limit).offset(offset),
        db.select({ n: count() }).from(templates).where(where),
      ]);
      return { items, total: total?.n ?? 0 };
    },

    async activeVersionsOf(templateIds) {
      const result = new Map<string, ActiveVersions>(templateIds.map((id) => [id, {}]));
      if (templateIds.length === 0) return result;
      const rows = await db
        .select({
          templateId: templateActiveVersions.templateId,
          language: templateActiveVersions.language,
          version: templateVersions.version,
        })
        .from(templateActiveVersions)
        .innerJoin(templateVersions, eq(templateVersions.id, templateActiveVersions.versionId))
        .where(inList(templateActiveVersions.templateId, templateIds))
        .orderBy(templateActiveVersions.language);
      for (const row of rows) result.get(row.templateId)![row.language] = row.version;
      return result;
    },

    async updateTemplate(templateId, patch) {
      const [updated] = await db
        .update(templates)
        .set({ ...patch, updatedAt: sql`now()` })
        .where(eq(templates.id, templateId))
        .returning();
      return updated ?? null;
    },

    async addVersion(templateId, version, activate) {
      return db.transaction(async (tx) => {
        // the row lock serialises concurrent writers of one template, so numbering has no gaps or clashes
        await tx.select({ id: templates.id }).from(templates).where(eq(templates.id, templateId)).for('update');
        const [last] = await tx
          .select({ n: max(templateVersions.version) })
          .from(templateVersions)
          .where(eq(templateVersions.templateId, templateId));
        const [created] = await tx
          .insert(templateVersions)
          .values({ templateId, version: (last?.n ?? 0) + 1, ...version })
          .returning();
        if (activate) await setActive(tx as unknown as Db, created!);
        await tx.update(templates).set({ updatedAt: sql`now()` }).where(eq(templates.id, templateId));
        return created!;
      });
    },

    async findVersion(templateId, version) {
      const [row] = await db
        .select()
        .from(templateVersions)
        .where(and(eq(templateVersions.templateId, templateId), eq(templateVersions.version, version)));
      return row ?? null;
    },

    async findActiveVersion(templateId, language) {
      const [row] = await db
        .select({ version: templateVersions })
        .from(templateActiveVersions)
        .innerJoin(templateVersions, eq(templateVersions.id, templateActiveVersions.versionId))
        .where(and(eq(templateActiveVersions.templateId, templateId), eq(templateActiveVersions.language, language)));
      return row?.version ?? null;
    },

    async listVersions(templateId, { language, limit, offset }) {
      const where = and(
        eq(templateVersions.templateId, templateId),
        language ? eq(templateVersions.language, language) : undefined,
      );
      const [items, [total]] = await Promise.all([
        db.select().from(templateVersions).where(where).orderBy(desc(templateVersions.version)).limit(limit).offset(offset),
        db.select({ n: count() }).from(templateVersions).where(where),
      ]);
      return { items, total: total?.n ?? 0 };
    },

    async activateVersion(version) {
      await db.transaction(async (tx) => {
        await setActive(tx as unknown as Db, version);
        await tx.update(templates).set({ updatedAt: sql`now()` }).where(eq(templates.id, version.templateId));
      });
    },
  };
}

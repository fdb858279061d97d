import { sql } from 'drizzle-orm';
import { rowsOf } from '../../../shared/db/bulk-insert.js';
import type { Db } from '../../../shared/db/create-db.js';
import { isTransactionConflict, isUniqueViolation } from '../../../shared/db/db-errors.js';
import { inList } from '../../../shared/db/in-list.js';
import { type AppError, BadRequestError, ConflictError, DeviceLimitError } from '../../../shared/errors.js';
import { pushDevices, users } from '../schema.js';
import type { RecipientInput } from './user.schemas.js';
import { preferencesColumns } from './user-wire.js';

/** A user as a bulk import matches it: by external id, else by email (case-insensitively). */
export interface ImportedUser {
  id: string;
  externalId: string | null;
  email: string;
  name: string;
}

/** What became of one recipient of the call. */
export type ImportOutcome = { index: number; created: boolean; user: ImportedUser } | { index: number; error: AppError };

interface Planned {
  index: number;
  input: RecipientInput;
}

/** What to do with each recipient, decided from the users that already match (pure). */
export interface ImportPlan {
  inserts: Planned[];
  /** Existing users to change, with what they become. */
  updates: Array<Planned & { user: ImportedUser }>;
  errors: Array<{ index: number; error: AppError }>;
}

const emailKey = (email: string) => email.toLowerCase();

/**
 * Match each recipient against the users found by its external id or email:
 * - an external id that exists updates that user (its email may change, unless another user has it);
 * - otherwise an email that exists updates that user and, when it has no external id yet, gives it this one
 *   (a user whose external id differs is a conflict: one person, two ids);
 * - otherwise a new user, which needs an email.
 * A recipient named twice in one call (same external id, or same email) is refused after its first mention.
 */
export function planImport(items: Planned[], existing: ImportedUser[]): ImportPlan {
  const byExternal = new Map(existing.flatMap((u) => (u.externalId ? [[u.externalId, u] as const] : [])));
  const byEmail = new Map(existing.map((u) => [emailKey(u.email), u]));
  const plan: ImportPlan = { inserts: [], updates: [], errors: [] };
  const seenExternal = new Map<string, number>();
  const seenEmail = new Map<string, number>();

  for (const item of items) {
    const { external_id: externalId, email } = item.input;
    const twin =
      (externalId !== undefined ? seenExternal.get(externalId) : undefined) ??
      (email !== undefined ? seenEmail.get(emailKey(email)) : undefined);
    if (twin !== undefined) {
      plan.errors.push({
        index: item.index,
        error: new BadRequestError(`This recipient appears twice in the call (first as item ${twin})`),
      });
      continue;
    }
    if (externalId !== undefined) seenExternal.set(externalId, item.index);
    if (email !== undefined) seenEmail.set(emailKey(email), item.index);

    const owner = email !== undefined ? byEmail.get(emailKey(email)) : undefined;
    const match = (externalId !== undefined ? byExternal.get(externalId) : undefined) ?? owner;
    if (!match) {
      if (email === undefined) {
        plan.errors.push({
          index: item.index,
          error: new BadRequestError(`No recipient with external_id ${externalId}; creating one needs an email`),
        });
      } else plan.inserts.push(item);
      continue;
    }
    if (owner && owner.id !== match.id) {
      plan.errors.push({ index: item.index, error: new ConflictError(`Another recipient already has email ${email}`) });
      continue;
    }
    if (externalId !== undefined && match.externalId !== null && match.externalId !== externalId) {
      plan.errors.push({
        index: item.index,
        error: new ConflictError(`The recipient with email ${email} already has another external_id`),
      });
      continue;
    }
    plan.updates.push({
      ...item,
      user: {
        id: match.id,
        externalId: externalId ?? match.externalId,
        email: email ?? match.email,
        name: item.input.name ?? match.name,
      },
    });
  }
  return plan;
}

const json = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;

/** The key new recipients are inserted in order of (external id first, as the import matches). */
const insertOrder = (input: RecipientInput) =>
  input.external_id !== undefined ? `x:${input.external_id}` : `e:${emailKey(input.email!)}`;

/**
 * Bulk upsert of recipients (`POST /api/v1/users/bulk`): a handful of
 * set-based statements per call, whatever its size, in one transaction.
 * Recipients created here have no password (they cannot log in until one is
 * set). A recipient that a concurrent call created between the lookup and
 * the insert is matched again and updated; a unique violation on an update
 * (two calls moving emails onto each other at once), or a deadlock Postgres
 * broke, retries the call once.
 */
export function createRecipientImport(db: Db, options: { maxDevicesPerUser: number }) {
  async function findMatches(tx: Db, items: Planned[]): Promise<ImportedUser[]> {
    const externalIds = items.flatMap((i) => (i.input.external_id !== undefined ? [i.input.external_id] : []));
    const emails = items.flatMap((i) => (i.input.email !== undefined ? [emailKey(i.input.email)] : []));
    // two index lookups joined, rather than one OR (which Postgres answers with a scan of the whole table)
    const result = await tx.execute(sql`
      select id, external_id, email, name from users
      where external_id in (select jsonb_array_elements_text(${json(externalIds)}))
      union
      select id, external_id, email, name from users
      where lower(email) in (select jsonb_array_elements_text(${json(emails)}))`);
    return rowsOf<{ id: string; external_id: string | null; email: string; name: string }>(result).map((r) => ({
      id: r.id,
      externalId: r.external_id,
      email: r.email,
      name: r.name,
    }));
  }

  /** Insert what the plan says is new; returns the users created, and the items a concurrent call created first. */
  async function insertNew(tx: Db, inserts: Planned[]): Promise<{ created: Map<number, ImportedUser>; raced: Planned[] }> {
    const created = new Map<number, ImportedUser>();
    if (inserts.length === 0) return { created, raced: [] };
    // inserted in one order whatever the order of the call: two calls that name the same new recipients
    // then take their unique-index locks in the same order, and one waits for the other instead of deadlocking
    const rows = inserts
      .map((i) => ({
        key: insertOrder(i.input),
        name: i.input.name ?? i.input.email!,
        email: i.input.email!,
        external_id: i.input.external_id ?? null,
      }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const result = await tx.execute(sql`
      insert into users (name, email, external_id)
      select x.name, x.email, x.external_id
      from jsonb_array_elements(${json(rows)}) with ordinality as e(value, n),
        jsonb_to_record(e.value) as x(name text, email text, external_id text)
      order by e.n
      on conflict do nothing
      returning id, external_id, email, name`);
    const inserted = rowsOf<{ id: string; external_id: string | null; email: string; name: string }>(result);
    const byKey = new Map(inserted.map((r) => [r.external_id ?? `@${emailKey(r.email)}`, r]));
    const raced: Planned[] = [];
    for (const item of inserts) {
      const row = byKey.get(item.input.external_id ?? `@${emailKey(item.input.email!)}`);
      if (row) created.set(item.index, { id: row.id, externalId: row.external_id, email: row.email, name: row.name });
      else raced.push(item);
    }
    if (created.size > 0) {
      await tx.execute(sql`
        insert into user_preferences (user_id)
        select value::uuid from jsonb_array_elements_text(${json([...created.values()].map((u) => u.id))})`);
    }
    return { created, raced };
  }

  async function updateExisting(tx: Db, updates: ImportPlan['updates']): Promise<void> {
    if (updates.length === 0) return;
    const rows = updates.map((u) => ({ id: u.user.id, name: u.user.name, email: u.user.email, external_id: u.user.externalId }));
    // rows that would not change are left alone: re-importing the same data writes nothing
    await tx.execute(sql`
      update users u set name = x.name, email = x.email, external_id = x.external_id, updated_at = now()
      from jsonb_to_recordset(${json(rows)}) as x(id uuid, name text, email text, external_id text)
      where u.id = x.id and (u.name, u.email, u.external_id) is distinct from (x.name, x.email, x.external_id)`);
  }

  async function applyPreferences(tx: Db, items: Array<{ userId: string; input: RecipientInput }>): Promise<void> {
    const rows = items.flatMap(({ userId, input }) => {
      if (!input.preferences) return [];
      const p = preferencesColumns(input.preferences);
      return [
        {
          user_id: userId,
          email: p.email ?? null,
          push: p.push ?? null,
          in_app: p.inApp ?? null,
          language: p.language ?? null,
          timezone: p.timezone ?? null,
          opt_out_categories: p.optOutCategories ?? null,
          // null clears them, absent keeps them
          quiet_hours_given: p.quietHours !== undefined,
          quiet_hours: p.quietHours ?? null,
        },
      ];
    });
    if (rows.length === 0) return;
    await tx.execute(sql`
      update user_preferences p set
        email = coalesce(x.email, p.email),
        push = coalesce(x.push, p.push),
        in_app = coalesce(x.in_app, p.in_app),
        language = coalesce(x.language, p.language),
        timezone = coalesce(x.timezone, p.timezone),
        opt_out_categories = coalesce(x.opt_out_categories, p.opt_out_categories),
        quiet_hours = case when x.quiet_hours_given then x.quiet_hours else p.quiet_hours end,
        updated_at = now()
      from jsonb_to_recordset(${json(rows)})
        as x(user_id uuid, email boolean, push boolean, in_app boolean, language text, timezone text, opt_out_categories jsonb,
             quiet_hours_given boolean, quiet_hours jsonb)
      where p.user_id = x.user_id
        and (p.email, p.push, p.in_app, p.language, p.timezone, p.opt_out_categories, p.quiet_hours) is distinct from (
          coalesce(x.email, p.email), coalesce(x.push, p.push), coalesce(x.in_app, p.in_app), coalesce(x.language, p.language),
          coalesce(x.timezone, p.timezone), coalesce(x.opt_out_categories, p.opt_out_categories),
          case when x.quiet_hours_given then x.quiet_hours else p.quiet_hours end)`);
  }

  async function addDevices(tx: Db, items: Array<{ userId: string; input: RecipientInput }>): Promise<void> {
    const devices = new Map<string, { user_id: string; address: string; platform: string | null }>();
    for (const { userId, input } of items) {
      for (const token of input.push_tokens ?? []) {
        devices.set(`${userId}\u0000${token.push_token}`, {
          user_id: userId,
          address: token.push_token,
          platform: token.platform ?? null,
        });
      }
    }
    if (devices.size === 0) return;
    await tx.execute(sql`
      insert into push_devices (user_id, kind, address, platform)
      select x.user_id, 'fcm', x.address, x.platform
      from jsonb_to_recordset(${json([...devices.values()])}) as x(user_id uuid, address text, platform text)
      on conflict (user_id, kind, address) do update
        set platform = coalesce(excluded.platform, push_devices.platform), updated_at = now()
        where push_devices.platform is distinct from coalesce(excluded.platform, push_devices.platform)`);
  }

  /**
   * The recipients whose push tokens would take their user past the device
   * limit, as errors; the others go on. Existing users are locked first (as
   * the device routes lock them), so a concurrent registration cannot slip
   * past the count.
   */
  async function overDeviceLimit(tx: Db, plan: ImportPlan): Promise<ImportPlan> {
    const tokensOf = (input: RecipientInput) => new Set((input.push_tokens ?? []).map((t) => t.push_token));
    const limit = options.maxDevicesPerUser;
    const errors: ImportPlan['errors'] = [];
    const inserts = plan.inserts.filter((i) => {
      const fits = tokensOf(i.input).size <= limit;
      if (!fits) errors.push({ index: i.index, error: new DeviceLimitError(limit) });
      return fits;
    });
    const withTokens = plan.updates.filter((u) => tokensOf(u.input).size > 0);
    if (withTokens.length === 0 && errors.length === 0) return plan;
    const ids = [...new Set(withTokens.map((u) => u.user.id))];
    const registered = new Map<string, Set<string>>();
    if (ids.length > 0) {
      await tx.select({ id: users.id }).from(users).where(inList(users.id, ids)).orderBy(users.id).for('update');
      const rows = await tx
        .select({ userId: pushDevices.userId, address: pushDevices.address })
        .from(pushDevices)
        .where(inList(pushDevices.userId, ids));
      for (const r of rows) registered.set(r.userId, (registered.get(r.userId) ?? new Set()).add(r.address));
    }
    const updates = plan.updates.filter((u) => {
      const has = registered.get(u.user.id) ?? new Set<string>();
      const added = [...tokensOf(u.input)].filter((token) => !has.has(token)).length;
      const fits = has.size + added <= limit;
      if (!fits) errors.push({ index: u.index, error: new DeviceLimitError(limit) });
      return fits;
    });
    return { inserts, updates, errors: [...plan.errors, ...errors] };
  }

  async function run(items: Planned[]): Promise<ImportOutcome[]> {
    return db.transaction(async (tx) => {
      const outcomes: ImportOutcome[] = [];
      let plan = await overDeviceLimit(tx, planImport(items, await findMatches(tx, items)));
      const { created, raced } = await insertNew(tx, plan.inserts);
      if (raced.length > 0) {
        // created by a concurrent call since the lookup: committed now (the insert waited for it), so they match
        const again = await overDeviceLimit(tx, planImport(raced, await findMatches(tx, raced)));
        plan = { inserts: [], updates: [...plan.updates, ...again.updates], errors: [...plan.errors, ...again.errors] };
        for (const item of again.inserts) {
          outcomes.push({ index: item.index, error: new ConflictError('The recipient changed during the call; send it again') });
        }
      }
      await updateExisting(tx, plan.updates);
      const touched = [
        ...plan.inserts.flatMap((i) => {
          const user = created.get(i.index);
          return user ? [{ userId: user.id, input: i.input }] : [];
        }),
        ...plan.updates.map((u) => ({ userId: u.user.id, input: u.input })),
      ];
      await applyPreferences(tx, touched);
      await addDevices(tx, touched);
      for (const [index, user] of created) outcomes.push({ index, created: true, user });
      for (const u of plan.updates) outcomes.push({ index: u.index, created: false, user: u.user });
      outcomes.push(...plan.errors);
      return outcomes.sort((a, b) => a.index - b.index);
    });
  }

  return {
    /** Upsert `items` (index = position in the call); one outcome per item, in order. */
    async upsert(items: Planned[]): Promise<ImportOutcome[]> {
      if (items.length === 0) return [];
      try {
        return await run(items);
      } catch (err) {
        // a concurrent call won a race the statements cannot settle in place: the second run sees its work
        if (!isUniqueViolation(err) && !isTransactionConflict(err)) throw err;
        return run(items);
      }
    },
  };
}

export type RecipientImport = ReturnType<typeof createRecipientImport>;

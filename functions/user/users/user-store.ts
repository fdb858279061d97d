import { and, count, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../../shared/db/create-db.js';
import { isUniqueViolation, violatedConstraint } from '../../../shared/db/db-errors.js';
import { ConflictError, DeviceLimitError } from '../../../shared/errors.js';
import { apiKeys, pushDevices, userPreferences, users } from '../schema.js';

export type UserRow = typeof users.$inferSelect;
export type PreferencesRow = typeof userPreferences.$inferSelect;
export type DeviceRow = typeof pushDevices.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type UserWithPreferences = UserRow & { preferences: PreferencesRow };

export interface NewUser {
  name: string;
  email: string;
  passwordHash: string;
  preferences: Partial<Omit<PreferencesRow, 'userId' | 'updatedAt'>>;
  device?: NewDevice;
}

export type NewDevice = Pick<DeviceRow, 'kind' | 'address'> & Partial<Pick<DeviceRow, 'p256dh' | 'auth' | 'platform'>>;

const emailTaken = (email: string) => new ConflictError(`A user with email ${email} already exists`);
const externalIdTaken = (externalId: string) => new ConflictError(`A user with external_id ${externalId} already exists`);

/**
 * Make room for one more device of `userId`, or throw {@link DeviceLimitError};
 * true when the user already has this device (refreshed, not added, so not
 * counted again). The user's row is locked first (`for update`): concurrent
 * adds for one user queue here, so the count stays true until the
 * transaction commits and no race gets past the limit.
 */
async function reserveDeviceSlot(tx: Db, userId: string, device: NewDevice, limit: number): Promise<boolean> {
  await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('update');
  const [existing] = await tx
    .select({ id: pushDevices.id })
    .from(pushDevices)
    .where(and(eq(pushDevices.userId, userId), eq(pushDevices.kind, device.kind), eq(pushDevices.address, device.address)));
  if (existing) return true;
  const [held] = await tx.select({ n: count() }).from(pushDevices).where(eq(pushDevices.userId, userId));
  if (held!.n >= limit) throw new DeviceLimitError(limit);
  return false;
}

async function upsertDeviceIn(
  tx: Db,
  userId: string,
  device: NewDevice,
  limit: number,
): Promise<{ device: DeviceRow; created: boolean }> {
  const existed = await reserveDeviceSlot(tx, userId, device, limit);
  const [row] = await tx
    .insert(pushDevices)
    .values({ ...device, userId })
    .onConflictDoUpdate({
      target: [pushDevices.userId, pushDevices.kind, pushDevices.address],
      set: {
        p256dh: device.p256dh ?? null,
        auth: device.auth ?? null,
        platform: device.platform ?? null,
        updatedAt: new Date(),
      },
    })
    .returning();
  return { device: row!, created: !existed };
}

/** Data access for the user function's tables. */
export function createUserStore(db: Db) {
  async function withPreferences(user: UserRow | undefined): Promise<UserWithPreferences | null> {
    if (!user) return null;
    const [preferences] = await db.select().from(userPreferences).where(eq(userPreferences.userId, user.id));
    return { ...user, preferences: preferences! };
  }

  return {
    async createUser(input: NewUser): Promise<UserWithPreferences> {
      try {
        return await db.transaction(async (tx) => {
          const [user] = await tx
            .insert(users)
            .values({ name: input.name, email: input.email, passwordHash: input.passwordHash })
            .returning();
          const [preferences] = await tx
            .insert(userPreferences)
            .values({ ...input.preferences, userId: user!.id })
            .returning();
          if (input.device) await tx.insert(pushDevices).values({ ...input.device, userId: user!.id });
          return { ...user!, preferences: preferences! };
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw emailTaken(input.email);
        throw err;
      }
    },

    async findUser(id: string): Promise<UserWithPreferences | null> {
      const [user] = await db.select().from(users).where(eq(users.id, id));
      return withPreferences(user);
    },

    async findUserByExternalId(externalId: string): Promise<UserWithPreferences | null> {
      const [user] = await db.select().from(users).where(eq(users.externalId, externalId));
      return withPreferences(user);
    },

    async findUserByEmail(email: string): Promise<UserRow | null> {
      const [user] = await db.select().from(users).where(sql`lower(${users.email}) = lower(${email})`);
      return user ?? null;
    },

    async listUsers(
      offset: number,
      limit: number,
      filter: { externalId?: string | undefined } = {},
    ): Promise<{ rows: UserWithPreferences[]; total: number }> {
      const where = filter.externalId !== undefined ? eq(users.externalId, filter.externalId) : undefined;
      const rows = await db
        .select({ user: users, preferences: userPreferences })
        .from(users)
        .innerJoin(userPreferences, eq(userPreferences.userId, users.id))
        .where(where)
        .orderBy(desc(users.createdAt), desc(users.id))
        .offset(offset)
        .limit(limit);
      const [total] = await db.select({ n: count() }).from(users).where(where);
      return { rows: rows.map((r) => ({ ...r.user, preferences: r.preferences })), total: total!.n };
    },

    /** Change a user's fields and, in the same transaction, its preferences and an FCM device (as at sign-up). */
    async updateUser(
      id: string,
      changes: Partial<Pick<UserRow, 'name' | 'email' | 'passwordHash' | 'externalId'>>,
      related: Pick<Partial<NewUser>, 'preferences' | 'device'> & { deviceLimit?: number } = {},
    ): Promise<UserWithPreferences | null> {
      try {
        const user = await db.transaction(async (tx) => {
          // a new password revokes every token issued before it
          const revoke = changes.passwordHash !== undefined && { tokenVersion: sql`${users.tokenVersion} + 1` };
          const [row] = await tx
            .update(users)
            .set({ ...changes, ...revoke, updatedAt: new Date() })
            .where(eq(users.id, id))
            .returning();
          if (!row) return undefined;
          if (related.preferences && Object.keys(related.preferences).length > 0) {
            await tx
              .update(userPreferences)
              .set({ ...related.preferences, updatedAt: new Date() })
              .where(eq(userPreferences.userId, id));
          }
          if (related.device) {
            if (related.deviceLimit !== undefined) await reserveDeviceSlot(tx, id, related.device, related.deviceLimit);
            await tx
              .insert(pushDevices)
              .values({ ...related.device, userId: id })
              .onConflictDoUpdate({
                target: [pushDevices.userId, pushDevices.kind, pushDevices.address],
                set: { updatedAt: new Date() },
              });
          }
          return row;
        });
        return withPreferences(user);
      } catch (err) {
        if (changes.externalId && violatedConstraint(err) === 'users_external_id_key') throw externalIdTaken(changes.externalId);
        if (isUniqueViolation(err) && changes.email) throw emailTaken(changes.email);
        throw err;
      }
    },

    /** The user's current token version; null when there is no such user (deleted). */
    async findTokenVersion(id: string): Promise<number | null> {
      const [row] = await db.select({ tokenVersion: users.tokenVersion }).from(users).where(eq(users.id, id));
      return row?.tokenVersion ?? null;
    },

    /**
     * Replace a hash by a stronger one of the same password (rehash on login):
     * only while the stored hash is still `previous`, so a password changed
     * meanwhile is never overwritten; tokens stay valid.
     */
    async upgradePasswordHash(id: string, previous: string, next: string): Promise<boolean> {
      const updated = await db
        .update(users)
        .set({ passwordHash: next })
        .where(and(eq(users.id, id), eq(users.passwordHash, previous)))
        .returning({ id: users.id });
      return updated.length > 0;
    },

    async deleteUser(id: string): Promise<boolean> {
      const deleted = await db.delete(users).where(eq(users.id, id)).returning({ id: users.id });
      return deleted.length > 0;
    },

    async updatePreferences(
      userId: string,
      changes: Partial<Omit<PreferencesRow, 'userId' | 'updatedAt'>>,
    ): Promise<PreferencesRow | null> {
      const [row] = await db
        .update(userPreferences)
        .set({ ...changes, updatedAt: new Date() })
        .where(eq(userPreferences.userId, userId))
        .returning();
      return row ?? null;
    },

    /**
     * Add one category to the user's opt-outs in one statement (concurrent
     * unsubscribes never lose one another); the opt-outs after it, or null
     * when the user has none (no such user).
     */
    async addOptOut(userId: string, category: string): Promise<string[] | null> {
      const added = sql`jsonb_build_array(${category}::text)`;
      const [row] = await db
        .update(userPreferences)
        .set({
          optOutCategories: sql`case when ${userPreferences.optOutCategories} @> ${added} then ${userPreferences.optOutCategories}
            else ${userPreferences.optOutCategories} || ${added} end`,
          updatedAt: new Date(),
        })
        .where(eq(userPreferences.userId, userId))
        .returning({ optOutCategories: userPreferences.optOutCategories });
      return row?.optOutCategories ?? null;
    },

    /**
     * Insert a device, or refresh its keys when the user already has it. `created` tells which.
     * A new device beyond `limit` is a {@link DeviceLimitError} (409); refreshing one never is.
     */
    async upsertDevice(userId: string, device: NewDevice, limit: number): Promise<{ device: DeviceRow; created: boolean }> {
      return db.transaction((tx) => upsertDeviceIn(tx, userId, device, limit));
    },

    async listDevices(userId: string): Promise<DeviceRow[]> {
      return db.select().from(pushDevices).where(eq(pushDevices.userId, userId)).orderBy(pushDevices.createdAt);
    },

    async deleteDevice(userId: string, deviceId: string): Promise<boolean> {
      const deleted = await db
        .delete(pushDevices)
        .where(and(eq(pushDevices.userId, userId), eq(pushDevices.id, deviceId)))
        .returning({ id: pushDevices.id });
      return deleted.length > 0;
    },

    async createApiKey(input: Pick<ApiKeyRow, 'name' | 'keyHash' | 'prefix' | 'scopes'>): Promise<ApiKeyRow> {
      const [row] = await db.insert(apiKeys).values(input).returning();
      return row!;
    },

    async findActiveApiKeyByHash(keyHash: string): Promise<ApiKeyRow | null> {
      const [row] = await db
        .select()
        .from(apiKeys)
        .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)));
      return row ?? null;
    },

    async listApiKeys(offset: number, limit: number): Promise<{ rows: ApiKeyRow[]; total: number }> {
      const rows = await db.select().from(apiKeys).orderBy(desc(apiKeys.createdAt)).offset(offset).limit(limit);
      const [total] = await db.select({ n: count() }).from(apiKeys);
      return { rows, total: total!.n };
    },

    async revokeApiKey(id: string): Promise<ApiKeyRow | null> {
      const [row] = await db
        .update(apiKeys)
        .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, now())` })
        .where(eq(apiKeys.id, id))
        .returning();
      return row ?? null;
    },

    async hasActiveAdminKey(): Promise<boolean> {
      const [row] = await db
        .select({ n: count() })
        .from(apiKeys)
        .where(and(isNull(apiKeys.revokedAt), sql`${apiKeys.scopes} @> '["admin"]'::jsonb`));
      return row!.n > 0;
    },
  };
}

export type UserStore = ReturnType<typeof createUserStore>;

import { and, count, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../shared/db/create-db.js';
import { isUniqueViolation } from '../../shared/db/db-errors.js';
import { ConflictError } from '../../shared/errors.js';
import { apiKeys, pushDevices, userPreferences, users } from './schema.js';

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

    async findUserByEmail(email: string): Promise<UserRow | null> {
      const [user] = await db
        .select()
        .from(users)
        .where(sql`lower(${users.email}) = lower(${email})`);
      return user ?? null;
    },

    async listUsers(offset: number, limit: number): Promise<{ rows: UserWithPreferences[]; total: number }> {
      const rows = await db
        .select({ user: users, preferences: userPreferences })
        .from(users)
        .innerJoin(userPreferences, eq(userPreferences.userId, users.id))
        .orderBy(desc(users.createdAt), desc(users.id))
        .offset(offset)
        .limit(limit);
      const [total] = await db.select({ n: count() }).from(users);
      return { rows: rows.map((r) => ({ ...r.user, preferences: r.preferences })), total: total!.n };
    },

    async updateUser(
      id: string,
      changes: Partial<Pick<UserRow, 'name' | 'email' | 'passwordHash'>>,
    ): Promise<UserWithPreferences | null> {
      try {
        const [user] = await db
          .update(users)
          .set({ ...changes, updatedAt: new Date() })
          .where(eq(users.id, id))
          .returning();
        return withPreferences(user);
      } catch (err) {
        if (isUniqueViolation(err) && changes.email) throw emailTaken(changes.email);
        throw err;
      }
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

    /** Insert a device, or refresh its keys when the user already has it. `created` tells which. */
    async upsertDevice(userId: string, device: NewDevice): Promise<{ device: DeviceRow; created: boolean }> {
      const [existing] = await db
        .select({ id: pushDevices.id })
        .from(pushDevices)
        .where(
          and(eq(pushDevices.userId, userId), eq(pushDevices.kind, device.kind), eq(pushDevices.address, device.address)),
        );
      const [row] = await db
        .insert(pushDevices)
        .values({ ...device, userId })
        .onConflictDoUpdate({
          target: [pushDevices.userId, pushDevices.kind, pushDevices.address],
          set: { p256dh: device.p256dh ?? null, auth: device.auth ?? null, platform: device.platform ?? null, updatedAt: new Date() },
        })
        .returning();
      return { device: row!, created: !existing };
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

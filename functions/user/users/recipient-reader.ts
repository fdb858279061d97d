import { type SQL, sql } from 'drizzle-orm';
import { rowsOf } from '../../../shared/db/bulk-insert.js';
import type { Db } from '../../../shared/db/create-db.js';
import type { QuietHours } from '../../../shared/schedule/quiet-hours.js';

/** A recipient as the gateway needs it to accept a notification (the internal routes' shape). */
export interface RecipientJson {
  id: string;
  external_id: string | null;
  name: string;
  email: string;
  preferences: {
    email: boolean;
    push: boolean;
    in_app: boolean;
    language: string;
    timezone: string;
    opt_out_categories: string[];
    quiet_hours: QuietHours | null;
    updated_at: string;
  };
  push_device_count: number;
}

interface RecipientSqlRow {
  id: string;
  external_id: string | null;
  name: string;
  email: string;
  p_email: boolean;
  p_push: boolean;
  p_in_app: boolean;
  language: string;
  timezone: string;
  opt_out_categories: string[] | string;
  quiet_hours: QuietHours | string | null;
  p_updated_at: Date | string;
  push_device_count: number | string;
}

const json = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;

function recipientOf(r: RecipientSqlRow): RecipientJson {
  return {
    id: r.id,
    external_id: r.external_id,
    name: r.name,
    email: r.email,
    preferences: {
      email: r.p_email,
      push: r.p_push,
      in_app: r.p_in_app,
      language: r.language,
      timezone: r.timezone,
      opt_out_categories: typeof r.opt_out_categories === 'string' ? JSON.parse(r.opt_out_categories) : r.opt_out_categories,
      quiet_hours: typeof r.quiet_hours === 'string' ? JSON.parse(r.quiet_hours) : r.quiet_hours,
      updated_at: new Date(r.p_updated_at).toISOString(),
    },
    push_device_count: Number(r.push_device_count),
  };
}

/**
 * Recipients in one statement, whatever their number: user, preferences and
 * device count together, so a fan-out page of a thousand subscribers costs
 * one query, not a thousand lookups.
 */
export function createRecipientReader(db: Db) {
  async function select(from: SQL, where: SQL, tail: SQL = sql``): Promise<RecipientJson[]> {
    const result = await db.execute(sql`
      select u.id, u.external_id, u.name, u.email,
             p.email as p_email, p.push as p_push, p.in_app as p_in_app, p.language, p.timezone, p.opt_out_categories, p.quiet_hours, p.updated_at as p_updated_at,
             (select count(*) from push_devices d where d.user_id = u.id) as push_device_count
      ${from}
      join user_preferences p on p.user_id = u.id
      where ${where}
      ${tail}`);
    return rowsOf<RecipientSqlRow>(result).map(recipientOf);
  }

  return {
    byIds(ids: string[]): Promise<RecipientJson[]> {
      if (ids.length === 0) return Promise.resolve([]);
      return select(sql`from users u`, sql`u.id in (select value::uuid from jsonb_array_elements_text(${json(ids)}))`);
    },

    byExternalIds(externalIds: string[]): Promise<RecipientJson[]> {
      if (externalIds.length === 0) return Promise.resolve([]);
      return select(sql`from users u`, sql`u.external_id in (select jsonb_array_elements_text(${json(externalIds)}))`);
    },

    /** Subscribers of a topic after `afterUserId`, in user id order (the order of the subscription key). */
    topicPage(topicId: string, afterUserId: string | undefined, limit: number): Promise<RecipientJson[]> {
      return select(
        sql`from topic_subscribers s join users u on u.id = s.user_id`,
        afterUserId
          ? sql`s.topic_id = ${topicId}::uuid and s.user_id > ${afterUserId}::uuid`
          : sql`s.topic_id = ${topicId}::uuid`,
        sql`order by s.user_id limit ${limit}`,
      );
    },
  };
}

export type RecipientReader = ReturnType<typeof createRecipientReader>;

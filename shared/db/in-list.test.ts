import { sql } from 'drizzle-orm';
import { bigserial, PgDialect, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../test-support/test-databases.js';
import type { Database } from './create-db.js';
import { inList } from './in-list.js';

const things = pgTable('in_list_things', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  key: uuid('key').notNull(),
  name: text('name').notNull(),
});

describe('inList', () => {
  it('has the same statement text for any number of values', () => {
    const dialect = new PgDialect();
    const one = dialect.sqlToQuery(inList(things.name, ['a']));
    const three = dialect.sqlToQuery(inList(things.name, ['a', 'b', 'c']));
    expect(three.sql).toBe(one.sql);
    expect(three.params).toEqual(['["a","b","c"]']);
    expect(dialect.sqlToQuery(inList(things.id, [1])).sql).toContain('::bigint');
  });

  describe.each(testDatabases())('on $kind', (target) => {
    let database: Database;
    beforeAll(async () => {
      database = await target.open([]);
      await database.db.execute(
        sql`create table in_list_things (id bigserial primary key, key uuid not null, name text not null)`,
      );
      await database.db.execute(sql`insert into in_list_things (key, name) values
        ('00000000-0000-4000-8000-000000000001', 'a'), ('00000000-0000-4000-8000-000000000002', 'b'), ('00000000-0000-4000-8000-000000000003', 'c')`);
    });
    afterAll(() => database.close());

    it('matches text, uuid and serial columns, and nothing for an empty list', async () => {
      const names = async (where: ReturnType<typeof inList>) =>
        (await database.db.select({ name: things.name }).from(things).where(where)).map((r) => r.name).sort();
      expect(await names(inList(things.name, ['a', 'c', 'zz']))).toEqual(['a', 'c']);
      expect(await names(inList(things.key, ['00000000-0000-4000-8000-000000000002']))).toEqual(['b']);
      expect(await names(inList(things.id, [1, 3]))).toEqual(['a', 'c']);
      expect(await names(inList(things.name, []))).toEqual([]);
    });
  });
});

import { fileURLToPath } from 'node:url';
import type { MigrationSet } from '../shared/db/create-db.js';
import { deliveryMigrations } from '../shared/delivery/delivery-migrations.js';

/** Where a function keeps its migrations: `functions/<name>/migrations` (copied beside the build output). */
export function migrationsOf(name: string): MigrationSet {
  return { name, folder: fileURLToPath(new URL(`./${name}/migrations`, import.meta.url)) };
}

/** Every function's migrations, in the order they apply. */
export const allMigrations: MigrationSet[] = [
  migrationsOf('user'),
  migrationsOf('template'),
  migrationsOf('gateway'),
  deliveryMigrations,
];

import { fileURLToPath } from 'node:url';
import type { MigrationSet } from '../../db/create-db.js';

/**
 * The Postgres queue's table (`queue_messages`), applied by the adapter when
 * it is built, in whichever process comes first. Beside this file in the
 * sources, under `dist/shared/queue/postgres/` in the build.
 */
export const queueMigrations: MigrationSet = {
  name: 'queue',
  folder: fileURLToPath(new URL('./migrations', import.meta.url)),
};

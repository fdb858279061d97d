import { fileURLToPath } from 'node:url';
import type { MigrationSet } from '../db/create-db.js';

/**
 * The delivery ledger's table (`delivery_records`), applied by every worker
 * function (email, push, ...) like its own migrations: the set is the same
 * for all of them and recorded once, so whichever starts first creates it.
 * Beside this file in the sources, under `dist/shared/delivery/` in the
 * build, and beside each Lambda bundle (`infra/aws/build-lambda.mjs`).
 */
export const deliveryMigrations: MigrationSet = {
  name: 'delivery',
  folder: fileURLToPath(new URL('./migrations', import.meta.url)),
};

// `npm run db:migrate` (and the compose `db-migrate` job, and `npm run stack` before the functions start):
// apply every function's migrations once, then create the starter templates that are missing, as `npm start` does.

import { allMigrations } from '../functions/migrations.js';
import { seedStarterTemplates } from '../functions/template/templates/starter-templates.js';
import { loadConfig } from '../shared/config.js';
import { createDb, dbOptionsFrom } from '../shared/db/create-db.js';
import { createLogger } from '../shared/logging/logger.js';

const config = loadConfig();
const logger = createLogger({ level: config.logLevel, name: 'db-migrate' });
const database = await createDb(dbOptionsFrom(config));
try {
  for (const set of allMigrations) {
    await database.migrate(set);
    logger.info({ migrations: set.name, driver: database.kind }, 'migrations applied');
  }
  await seedStarterTemplates(database.db, logger);
} finally {
  await database.close();
}

// `npm run db:migrate` (and the compose `db-migrate` job): apply every function's migrations once.
import { loadConfig } from '../shared/config.js';
import { createDb, dbOptionsFrom } from '../shared/db/create-db.js';
import { createLogger } from '../shared/logging/logger.js';
import { allMigrations } from '../functions/migrations.js';

const config = loadConfig();
const logger = createLogger({ level: config.logLevel, name: 'db-migrate' });
const database = await createDb(dbOptionsFrom(config));
try {
  for (const set of allMigrations) {
    await database.migrate(set);
    logger.info({ migrations: set.name, driver: database.kind }, 'migrations applied');
  }
} finally {
  await database.close();
}

// `npm run seed`: apply migrations and create the starter templates that are missing.
import { loadConfig } from '../shared/config.js';
import { createDb, dbOptionsFrom } from '../shared/db/create-db.js';
import { createLogger } from '../shared/logging/logger.js';
import { allMigrations } from '../functions/migrations.js';
import { seedStarterTemplates } from '../functions/template/starter-templates.js';

const config = loadConfig();
const logger = createLogger({ level: config.logLevel, name: 'seed' });
const database = await createDb(dbOptionsFrom(config));
try {
  for (const set of allMigrations) await database.migrate(set);
  const created = await seedStarterTemplates(database.db, logger);
  process.stdout.write(created.length > 0 ? `created: ${created.join(', ')}\n` : 'starter templates already present\n');
} finally {
  await database.close();
}

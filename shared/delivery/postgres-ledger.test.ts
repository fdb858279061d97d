import { describe } from 'vitest';
import { testDatabases } from '../test-support/test-databases.js';
import { deliveryMigrations } from './delivery-migrations.js';
import { ledgerContract } from './ledger.contract.js';
import { createPostgresLedger } from './postgres-ledger.js';

describe.each(testDatabases())('postgres ledger on $kind', (target) => {
  ledgerContract(target.kind, async () => {
    const database = await target.open([deliveryMigrations]);
    return { ledger: createPostgresLedger(database.db), close: () => database.close() };
  });
});

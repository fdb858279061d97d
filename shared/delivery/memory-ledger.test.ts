import { ledgerContract } from './ledger.contract.js';
import { createMemoryLedger } from './memory-ledger.js';

ledgerContract('memory', async () => ({ ledger: createMemoryLedger(), close: async () => {} }));

// After tsc: copy what the build output needs besides JavaScript (SQL migrations,
// the gateway's dashboard page), keeping each folder's place under functions/ (and shared/).
import { cpSync, existsSync, readdirSync } from 'node:fs';

const ASSET_DIRS = ['migrations', 'admin/dashboard', 'inbox/component'];

for (const name of readdirSync('functions')) {
  for (const dir of ASSET_DIRS) {
    const from = `functions/${name}/${dir}`;
    if (existsSync(from)) cpSync(from, `dist/functions/${name}/${dir}`, { recursive: true });
  }
}
// the delivery workers' ledger table, found beside shared/delivery/delivery-migrations.js
cpSync('shared/delivery/migrations', 'dist/shared/delivery/migrations', { recursive: true });
// the Postgres queue's table, found beside shared/queue/postgres/queue-migrations.js
cpSync('shared/queue/postgres/migrations', 'dist/shared/queue/postgres/migrations', { recursive: true });

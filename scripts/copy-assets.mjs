// After tsc: copy what the build output needs besides JavaScript (SQL migrations,
// the gateway's dashboard page).
import { cpSync, existsSync, readdirSync } from 'node:fs';

const ASSET_DIRS = ['migrations', 'dashboard'];

for (const name of readdirSync('functions')) {
  for (const dir of ASSET_DIRS) {
    const from = `functions/${name}/${dir}`;
    if (existsSync(from)) cpSync(from, `dist/functions/${name}/${dir}`, { recursive: true });
  }
}

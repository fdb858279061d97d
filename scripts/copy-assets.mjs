// After tsc: copy what the build output needs besides JavaScript (SQL migrations).
import { cpSync, existsSync, readdirSync } from 'node:fs';

for (const name of readdirSync('functions')) {
  const from = `functions/${name}/migrations`;
  if (existsSync(from)) cpSync(from, `dist/functions/${name}/migrations`, { recursive: true });
}

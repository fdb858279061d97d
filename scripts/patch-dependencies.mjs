// postinstall: fixes to pinned dependencies that upstream has not released yet.
// Each patch is idempotent and fails the install loudly if its target changed.
//
// postgres@3.4.9: a write smaller than 1024 bytes is deferred with setImmediate;
// when the connection closes before it fires, `socket` is null and the
// callback throws an uncatchable TypeError that kills the process (a database
// restart would take every function down). Upstream: porsager/postgres #1154,
// fix proposed in PR #1168 / #1176 (not released).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const PATCHES = [
  {
    files: ['node_modules/postgres/src/connection.js', 'node_modules/postgres/cjs/src/connection.js'],
    before: '  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)',
    after:
      '  function nextWrite(fn) {\n    if (socket === null) return (chunk = nextWriteTimer = null, false) // patched: connection closed first\n    const x = socket.write(chunk, fn)',
  },
];

let failed = false;
for (const patch of PATCHES) {
  for (const file of patch.files) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    if (text.includes(patch.after)) continue;
    if (!text.includes(patch.before)) {
      process.stderr.write(`patch-dependencies: ${file} changed; review the patch in scripts/patch-dependencies.mjs\n`);
      failed = true;
      continue;
    }
    writeFileSync(file, text.replace(patch.before, patch.after));
  }
}
process.exit(failed ? 1 : 0);

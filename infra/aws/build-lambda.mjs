// `npm run build:lambda`: bundle each function's FaaS entry (functions/<name>/lambda.ts)
// with esbuild into dist-lambda/<name>/functions/<name>/lambda.mjs, the asset
// infra/aws/notification-stack.ts deploys with handler `functions/<name>/lambda.handler`.
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

// every function folder (one with a function.ts: see shared/runtime/function-names.ts)
const FUNCTIONS = readdirSync('functions').filter((name) => existsSync(`functions/${name}/function.ts`));
const outRoot = process.argv[2] ?? 'dist-lambda';

const missing = FUNCTIONS.filter((name) => !existsSync(`functions/${name}/lambda.ts`));
if (missing.length > 0) {
  process.stderr.write(`No FaaS entry yet for: ${missing.map((n) => `functions/${n}/lambda.ts`).join(', ')}\n`);
  process.exit(1);
}

rmSync(outRoot, { recursive: true, force: true });
const owners = readdirSync('functions').filter((name) => existsSync(`functions/${name}/migrations`));
for (const name of FUNCTIONS) {
  const dir = join(outRoot, name, 'functions', name);
  const result = await build({
    entryPoints: [`functions/${name}/lambda.ts`],
    outfile: join(dir, 'lambda.mjs'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: true,
    sourcemap: true,
    metafile: true,
    legalComments: 'none',
    // CommonJS dependencies inside an ES module bundle still call require()
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    external: ['pg-native', 'bufferutil', 'utf-8-validate'],
  });
  // functions/migrations.ts finds `./<owner>/migrations` beside itself; bundled, "itself" is functions/<name>/lambda.mjs
  for (const owner of owners) cpSync(`functions/${owner}/migrations`, join(dir, owner, 'migrations'), { recursive: true });
  // shared/delivery/delivery-migrations.ts finds `./migrations` beside itself: bundled, beside lambda.mjs
  cpSync('shared/delivery/migrations', join(dir, 'migrations'), { recursive: true });
  // the gateway serves its dashboard page from `./dashboard/` beside itself (bundled, "itself" is lambda.mjs)
  if (existsSync(`functions/${name}/admin/dashboard`))
    cpSync(`functions/${name}/admin/dashboard`, join(dir, 'dashboard'), { recursive: true });
  // and the inbox component from `./component/`
  if (existsSync(`functions/${name}/inbox/component`))
    cpSync(`functions/${name}/inbox/component`, join(dir, 'component'), { recursive: true });
  const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
  process.stdout.write(`${name.padEnd(9)} ${(bytes / 1024).toFixed(0)} KiB -> ${dir}/lambda.mjs\n`);
}

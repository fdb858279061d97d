// Estimate what the runtime stage of infra/docker/Dockerfile adds on top of
// node:20-alpine: the compiled `dist` plus the production dependencies that
// `npm ci --omit=dev` installs (the lockfile's non-dev packages, measured in
// the installed node_modules). Also bundles each function's entry with
// esbuild, the size a one-file image or a Lambda zip would carry.
//
//   npm run build && node infra/docker/measure-image.mjs [--json]
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// every function folder (one with a function.ts: see shared/runtime/function-names.ts)
const FUNCTIONS = readdirSync('functions').filter((name) => existsSync(join('functions', name, 'function.ts')));
const root = process.cwd();
const asJson = process.argv.includes('--json');

/** Bytes of a directory's files; `skip` names child folders left out (counted elsewhere). */
function sizeOf(path, skip = new Set()) {
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  for (const entry of readdirSync(path)) {
    if (skip.has(entry)) continue;
    total += sizeOf(join(path, entry));
  }
  return total;
}

function productionPackages() {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const packages = [];
  for (const [key, meta] of Object.entries(lock.packages)) {
    if (!key.startsWith('node_modules/') || meta.dev) continue;
    const dir = join(root, key);
    if (!existsSync(dir)) continue; // optional package for another platform
    // nested node_modules are lockfile entries of their own
    packages.push({
      name: key.replace(/^node_modules\//, '').replace(/\/node_modules\//g, ' > '),
      bytes: sizeOf(dir, new Set(['node_modules'])),
    });
  }
  return packages.sort((a, b) => b.bytes - a.bytes);
}

async function bundleSizes() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return undefined;
  }
  const sizes = {};
  for (const name of FUNCTIONS) {
    const entry = join(root, `functions/${name}/main.ts`);
    if (!existsSync(entry)) continue;
    const result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      minify: true,
      write: false,
      logLevel: 'silent',
      // native/optional drivers some dependencies probe for; never used here
      external: ['pg-native', 'bufferutil', 'utf-8-validate'],
    });
    sizes[name] = result.outputFiles.reduce((sum, file) => sum + file.contents.byteLength, 0);
  }
  return sizes;
}

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

if (!existsSync(join(root, 'dist'))) {
  process.stderr.write('dist/ is missing: run `npm run build` first\n');
  process.exit(1);
}
const dist = sizeOf(join(root, 'dist'));
const packages = productionPackages();
const dependencies = packages.reduce((sum, p) => sum + p.bytes, 0);
const bundles = await bundleSizes();
const report = {
  dist_bytes: dist,
  production_dependencies_bytes: dependencies,
  production_package_count: packages.length,
  runtime_layer_bytes: dist + dependencies,
  largest_packages: packages.slice(0, 8),
  bundled_entry_bytes: bundles,
};

if (asJson) {
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} else {
  const lines = [
    `dist:                        ${mb(dist)}`,
    `production node_modules:     ${mb(dependencies)} (${packages.length} packages)`,
    `runtime layer (per function): ${mb(dist + dependencies)}  + node:20-alpine base`,
    'largest production packages:',
    ...packages.slice(0, 8).map((p) => `  ${p.name.padEnd(40)} ${mb(p.bytes)}`),
  ];
  if (bundles) {
    lines.push('esbuild bundle of functions/<name>/main.ts (minified, one file):');
    for (const [name, bytes] of Object.entries(bundles)) lines.push(`  ${name.padEnd(10)} ${mb(bytes)}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

import { fileURLToPath } from 'node:url';
import { mergeConfig } from 'vitest/config';
import root from '../vitest.config.js';

// Until the root config's `include` lists `client`: `npx vitest run --config client/vitest.config.ts`.
const merged = mergeConfig(root, { root: fileURLToPath(new URL('..', import.meta.url)) });
export default { ...merged, test: { ...merged.test, include: ['client/**/*.test.ts'] } };

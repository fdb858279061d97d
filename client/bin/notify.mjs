#!/usr/bin/env node
// `notify` command: loads the TypeScript CLI through tsx (a devDependency of the repository).
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../cli.ts');
await runCli();

import { runFunction } from '../../shared/runtime/run-function.js';
import { templateFunction } from './function.js';

await runFunction(templateFunction);

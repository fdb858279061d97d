import { runFunction } from '../../shared/runtime/run-function.js';
import { emailFunction } from './function.js';

await runFunction(emailFunction);

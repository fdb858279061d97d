import { runFunction } from '../../shared/runtime/run-function.js';
import { pushFunction } from './function.js';

await runFunction(pushFunction);

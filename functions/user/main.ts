import { runFunction } from '../../shared/runtime/run-function.js';
import { userFunction } from './function.js';

await runFunction(userFunction);

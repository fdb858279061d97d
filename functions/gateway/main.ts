import { runFunction } from '../../shared/runtime/run-function.js';
import { gatewayFunction } from './function.js';

await runFunction(gatewayFunction);

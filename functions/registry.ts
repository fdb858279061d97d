import type { FunctionModule } from '../shared/runtime/function-module.js';
import { emailFunction } from './email/function.js';
import { gatewayFunction } from './gateway/function.js';
import { pushFunction } from './push/function.js';
import { templateFunction } from './template/function.js';
import { userFunction } from './user/function.js';

/** Every function, in start order: owners of data first, the front door last. */
export const allFunctions: FunctionModule[] = [userFunction, templateFunction, emailFunction, pushFunction, gatewayFunction];

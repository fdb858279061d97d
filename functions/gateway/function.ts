import { placeholderFunction } from '../../shared/runtime/placeholder-function.js';

/** The gateway function: answers health only until its issue lands. */
export const gatewayFunction = placeholderFunction('gateway', 8000, 8000);

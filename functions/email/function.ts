import { placeholderFunction } from '../../shared/runtime/placeholder-function.js';

/** The email function: answers health only until its issue lands. */
export const emailFunction = placeholderFunction('email', 8080, 8003);

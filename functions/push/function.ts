import { placeholderFunction } from '../../shared/runtime/placeholder-function.js';

/** The push function: answers health only until its issue lands. */
export const pushFunction = placeholderFunction('push', 8004, 8004);

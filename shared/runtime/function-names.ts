/**
 * The functions of the platform: the one list that configuration
 * (`FUNCTIONS`), the runtimes and the AWS stack derive from. A new function
 * is added here and in `functions/registry.ts`.
 */
export const FUNCTION_NAMES = ['gateway', 'user', 'template', 'email', 'push'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

import { z } from 'zod';

/**
 * liquidjs's own limits on one template source (`parseLimit`, `renderLimit`,
 * `memoryLimit`; it has no other): past one, the parse or render stops with
 * an error instead of holding the worker.
 */
export interface TemplateLimits {
  /** Characters parsed per source. */
  parseLimit: number;
  /** Milliseconds one render may take (checked between nodes). */
  renderLimitMs: number;
  /** Allocations one render may make, in liquidjs units (string lengths, array and range sizes). */
  memoryLimit: number;
}

export const DEFAULT_TEMPLATE_LIMITS: TemplateLimits = { parseLimit: 200_000, renderLimitMs: 1_000, memoryLimit: 10_000_000 };

const positiveInt = z.coerce.number().int().positive();

/** The variables of the template limits, merged into the one environment schema (`shared/config.ts`). */
export const templateEnv = {
  TEMPLATE_PARSE_LIMIT: positiveInt.default(DEFAULT_TEMPLATE_LIMITS.parseLimit),
  TEMPLATE_RENDER_LIMIT_MS: positiveInt.default(DEFAULT_TEMPLATE_LIMITS.renderLimitMs),
  TEMPLATE_MEMORY_LIMIT: positiveInt.default(DEFAULT_TEMPLATE_LIMITS.memoryLimit),
};

type TemplateEnv = { [K in keyof typeof templateEnv]: z.output<(typeof templateEnv)[K]> };

export function templateLimits(e: TemplateEnv): TemplateLimits {
  return { parseLimit: e.TEMPLATE_PARSE_LIMIT, renderLimitMs: e.TEMPLATE_RENDER_LIMIT_MS, memoryLimit: e.TEMPLATE_MEMORY_LIMIT };
}

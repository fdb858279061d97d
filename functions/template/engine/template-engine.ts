import { type FS, Liquid, LiquidError, type Template } from 'liquidjs';
import { DEFAULT_TEMPLATE_LIMITS, type TemplateLimits } from '../../../shared/config-templates.js';

/** How a field's output is written: `html` escapes every `{{ }}` output, `text` writes it as is. */
export type OutputMode = 'html' | 'text';

/** Which of liquidjs's limits a source broke. */
export type TemplateLimit = 'parse' | 'render_time' | 'memory';

/** A problem in one template source, with where it is when the engine knows. */
export interface SourceProblem {
  message: string;
  line?: number;
  column?: number;
  /** Set when the problem is a limit (the source is too long), not its syntax. */
  limit?: TemplateLimit;
}

/** The outcome of checking a source when a version is saved. */
export type SourceCheck = { ok: true; variables: string[] } | { ok: false; problem: SourceProblem };

/** Raised when a render breaks a limit (`limit` says which) or fails inside the engine (not for syntax, caught at save). */
export class TemplateRenderFailure extends Error {
  constructor(
    message: string,
    readonly limit: TemplateLimit | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TemplateRenderFailure';
  }
}

/** liquidjs's limiter messages (`<resource> limit exceeded`), by the limit they stand for. */
const LIMIT_MESSAGES: Array<[RegExp, TemplateLimit]> = [
  [/parse length limit exceeded/, 'parse'],
  [/template render limit exceeded/, 'render_time'],
  [/memory alloc limit exceeded/, 'memory'],
];

/** The limit an engine error stands for, looking through the errors it wraps; undefined for any other error. */
function limitOf(err: unknown): TemplateLimit | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; depth++) {
    const hit = LIMIT_MESSAGES.find(([pattern]) => pattern.test(e instanceof Error ? e.message : ''));
    if (hit) return hit[1];
    e = (e as { originalError?: unknown }).originalError ?? e.cause;
  }
  return undefined;
}

/**
 * Port: compiles and renders liquid sources. Sandboxed: templates see only
 * the variables they are given (own properties only), cannot reach files
 * (`include`, `render`, `layout` are refused at parse time and the file
 * system refuses every read), and parse size, render time and memory are
 * capped by liquidjs's own limits so a hostile template cannot hang or
 * exhaust the process.
 */
export interface TemplateEngine {
  /** Syntax check plus the top-level variables the source reads. */
  check(source: string): SourceCheck;
  render(source: string, variables: Record<string, unknown>, mode: OutputMode): Promise<string>;
}

export interface TemplateEngineOptions extends Partial<TemplateLimits> {
  /** Parsed sources kept; versions are immutable, so a source parses once per process. */
  cacheSize?: number;
}

const REFUSED_TAGS = ['include', 'render', 'layout'] as const;

/** A file system that has no files: the last line of defence should a file lookup ever be reached. */
const NO_FILES: FS = {
  exists: async () => false,
  existsSync: () => false,
  readFile: async (file) => {
    throw new Error(`templates cannot read files (${file})`);
  },
  readFileSync: (file) => {
    throw new Error(`templates cannot read files (${file})`);
  },
  resolve: (_dir, file) => file,
  contains: async () => false,
  containsSync: () => false,
};

function createLiquid(mode: OutputMode, options: Required<TemplateEngineOptions>): Liquid {
  const liquid = new Liquid({
    fs: NO_FILES,
    root: [],
    partials: [],
    layouts: [],
    relativeReference: false,
    dynamicPartials: false,
    ownPropertyOnly: true,
    strictFilters: true,
    strictVariables: false,
    timezoneOffset: 0,
    // liquidjs's own limits: characters parsed, milliseconds and allocations per render
    parseLimit: options.parseLimit,
    renderLimit: options.renderLimitMs,
    memoryLimit: options.memoryLimit,
    ...(mode === 'html' ? { outputEscape: 'escape' as const } : {}),
  });
  for (const name of REFUSED_TAGS) {
    liquid.registerTag(name, {
      parse() {
        throw new Error(`{% ${name} %} is not available: templates cannot load other templates or files`);
      },
      render() {
        return '';
      },
    });
  }
  return liquid;
}

function positionOf(err: LiquidError): { line?: number; column?: number } {
  const position = err.token?.getPosition?.();
  if (position) return { line: position[0], column: position[1] };
  const match = /line:(\d+), col:(\d+)/.exec(err.message);
  return match ? { line: Number(match[1]), column: Number(match[2]) } : {};
}

/** Build a {@link TemplateEngine}; one per app, it caches parsed sources. */
export function createTemplateEngine(options: TemplateEngineOptions = {}): TemplateEngine {
  const limits: Required<TemplateEngineOptions> = {
    parseLimit: options.parseLimit ?? DEFAULT_TEMPLATE_LIMITS.parseLimit,
    renderLimitMs: options.renderLimitMs ?? DEFAULT_TEMPLATE_LIMITS.renderLimitMs,
    memoryLimit: options.memoryLimit ?? DEFAULT_TEMPLATE_LIMITS.memoryLimit,
    cacheSize: options.cacheSize ?? 500,
  };
  // escaping is decided when an output is parsed, so each mode has its own parser and cache entries
  const engines: Record<OutputMode, Liquid> = { html: createLiquid('html', limits), text: createLiquid('text', limits) };
  const parsed = new Map<string, Template[]>();

  function parse(source: string, mode: OutputMode): Template[] {
    const key = `${mode}\u0000${source}`;
    const hit = parsed.get(key);
    if (hit) {
      // refresh recency: Map keeps insertion order, so the first key is the least recently used
      parsed.delete(key);
      parsed.set(key, hit);
      return hit;
    }
    const templates = engines[mode].parse(source);
    parsed.set(key, templates);
    if (parsed.size > limits.cacheSize) parsed.delete(parsed.keys().next().value!);
    return templates;
  }

  return {
    check(source) {
      try {
        const templates = parse(source, 'text');
        return { ok: true, variables: engines.text.globalVariablesSync(templates, { partials: false }) };
      } catch (err) {
        const limit = limitOf(err);
        const message = err instanceof Error ? err.message : String(err);
        if (limit) return { ok: false, problem: { message, limit } };
        if (LiquidError.is(err)) return { ok: false, problem: { message, ...positionOf(err) } };
        return { ok: false, problem: { message } };
      }
    },

    async render(source, variables, mode) {
      try {
        return await engines[mode].render(parse(source, mode), variables, { ownPropertyOnly: true });
      } catch (err) {
        throw new TemplateRenderFailure(err instanceof Error ? err.message : String(err), limitOf(err), { cause: err });
      }
    },
  };
}

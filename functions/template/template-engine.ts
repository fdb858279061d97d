import { Liquid, LiquidError, type FS, type Template } from 'liquidjs';

/** How a field's output is written: `html` escapes every `{{ }}` output, `text` writes it as is. */
export type OutputMode = 'html' | 'text';

/** A problem in one template source, with where it is when the engine knows. */
export interface SourceProblem {
  message: string;
  line?: number;
  column?: number;
}

/** The outcome of checking a source when a version is saved. */
export type SourceCheck =
  | { ok: true; variables: string[] }
  | { ok: false; problem: SourceProblem };

/** Raised when a render breaks a limit or fails inside the engine (not for syntax, which is caught at save). */
export class TemplateRenderFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TemplateRenderFailure';
  }
}

/**
 * Port: compiles and renders liquid sources. Sandboxed: templates see only
 * the variables they are given (own properties only), cannot reach files
 * (`include`, `render`, `layout` are refused at parse time and the file
 * system refuses every read), and parse size, render time and memory are
 * capped so a hostile template cannot hang or exhaust the process.
 */
export interface TemplateEngine {
  /** Syntax check plus the top-level variables the source reads. */
  check(source: string): SourceCheck;
  render(source: string, variables: Record<string, unknown>, mode: OutputMode): Promise<string>;
}

export interface TemplateEngineOptions {
  /** Max characters parsed per source. */
  parseLimit?: number;
  /** Max milliseconds per render. */
  renderLimitMs?: number;
  /** Max allocations (liquidjs units) per render. */
  memoryLimit?: number;
  /** Max rendered nodes (tags, outputs, text) per render; bounds loops. */
  templateLimit?: number;
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
    parseLimit: options.parseLimit ?? 200_000,
    renderLimitMs: options.renderLimitMs ?? 1_000,
    memoryLimit: options.memoryLimit ?? 10_000_000,
    templateLimit: options.templateLimit ?? 100_000,
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
        if (LiquidError.is(err)) {
          return { ok: false, problem: { message: err.message, ...positionOf(err) } };
        }
        return { ok: false, problem: { message: err instanceof Error ? err.message : String(err) } };
      }
    },

    async render(source, variables, mode) {
      try {
        return await engines[mode].render(parse(source, mode), variables, {
          ownPropertyOnly: true,
          templateLimit: limits.templateLimit,
          renderLimit: limits.renderLimitMs,
          memoryLimit: limits.memoryLimit,
        });
      } catch (err) {
        throw new TemplateRenderFailure(err instanceof Error ? err.message : String(err), { cause: err });
      }
    },
  };
}

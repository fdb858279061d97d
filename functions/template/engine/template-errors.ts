import { AppError, UnprocessableError } from '../../../shared/errors.js';
import type { TemplateLimit } from './template-engine.js';

/** Errors specific to templates; every one maps to the envelope through the shared `onError`. */

/** Where a syntax problem is: the content field (`content.html`, `content.data.key`) and position in it. */
export interface SyntaxProblem {
  field: string;
  message: string;
  line?: number;
  column?: number;
}

/** A version's content does not parse; raised when the version is saved, never at send time. */
export class TemplateSyntaxError extends UnprocessableError {
  constructor(readonly problems: SyntaxProblem[]) {
    const first = problems[0]!;
    super('template_syntax_error', `Template syntax error in ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, {
      details: { field: first.field, line: first.line, column: first.column, errors: problems },
    });
  }
}

/** The content reads variables the version does not declare, so they could never be checked before sending. */
export class UndeclaredVariablesError extends UnprocessableError {
  constructor(readonly undeclared: string[]) {
    super(
      'undeclared_variables',
      `The content uses variables that are not declared: ${undeclared.join(', ')}. Add them to "variables" (required or not).`,
      { details: { undeclared } },
    );
  }
}

/** The code names templates on both channels and the caller did not say which. */
export class AmbiguousChannelError extends AppError {
  constructor(code: string, channels: string[]) {
    super(
      'ambiguous_channel',
      400,
      `Template '${code}' exists for several channels (${channels.join(', ')}); pass ?channel=${channels.join('|')}`,
      { details: { template_code: code, channels } },
    );
  }
}

/** Rendering produced something unusable (a URL field that is not a URL) or broke an engine limit. */
export class RenderFailedError extends UnprocessableError {
  constructor(message: string, options?: { cause?: unknown; field?: string }) {
    super('render_failed', message, {
      cause: options?.cause,
      ...(options?.field ? { details: { field: options.field } } : {}),
    });
  }
}

const LIMIT_WORDS: Record<TemplateLimit, string> = {
  parse: 'is longer than the parse limit (TEMPLATE_PARSE_LIMIT characters)',
  render_time: 'took longer than the render limit (TEMPLATE_RENDER_LIMIT_MS)',
  memory: 'allocated more than the memory limit (TEMPLATE_MEMORY_LIMIT)',
};

/**
 * A source broke one of the engine's limits: at save (too long to parse), at
 * a preview or at send (a loop or a string too big). 422 with the field and
 * the limit; at send, the failure reason names this code.
 */
export class TemplateLimitError extends UnprocessableError {
  constructor(
    readonly field: string,
    readonly limit: TemplateLimit,
    options?: { cause?: unknown },
  ) {
    super('template_limit_exceeded', `${field} ${LIMIT_WORDS[limit]}`, {
      cause: options?.cause,
      details: { field, limit },
    });
  }
}

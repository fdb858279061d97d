import type { Cache } from '../cache/cache.js';
import { createLocalMemo } from '../cache/local-memo.js';
import { type CacheSeal, getSealed, setSealed } from '../cache/sealed-values.js';
import type { Channel } from '../schemas/channels.js';
import type { RenderedEmail, RenderedInApp, RenderedPush } from '../schemas/rendered-content.js';
import type { Fetcher } from './fetcher.js';
import { callService } from './service-call.js';

/** One immutable template version, pinned on a notification at intake. */
export interface TemplateVersion {
  template_code: string;
  channel: Channel;
  category: string;
  version: number;
  language: string;
  variables: Array<{ name: string; required: boolean }>;
}

/** A channel's rendered content. */
export type RenderedContentOf<C extends Channel> = C extends 'email'
  ? RenderedEmail
  : C extends 'push'
    ? RenderedPush
    : RenderedInApp;

/** What `render` gives: the version's content with the variables filled in. */
export interface Rendered<C extends Channel> {
  template_code: string;
  channel: C;
  category: string;
  language: string;
  version: number;
  content: RenderedContentOf<C>;
}

/** Port: the template function, as the gateway and the workers see it. */
export interface TemplateClient {
  /**
   * The active version for `language` (fallback `fr-CA` -> `fr` -> default),
   * or null when there is no such template. Cached briefly, so a rollback
   * shows within the TTL.
   */
  resolve(code: string, channel: Channel, language: string): Promise<TemplateVersion | null>;
  /**
   * Render one pinned version with `variables` (the template function owns the
   * sandboxed engine). Null when the template or version is gone; a missing
   * required variable is a 422 from the template function, surfaced as an error.
   */
  render<C extends Channel>(
    code: string,
    channel: C,
    version: number,
    variables: Record<string, unknown>,
  ): Promise<Rendered<C> | null>;
}

export interface TemplateClientOptions {
  /** Reaches the template function; wrap it in `createBreakerFetcher`. */
  fetcher: Fetcher;
  cache: Cache;
  /** Authenticates the cached versions: one written by anyone else reads as absent. */
  seal: CacheSeal;
  /** How long an active-version answer is reused. */
  resolveTtlMs?: number;
}

interface ResolvedWire {
  template_code: string;
  channel: Channel;
  category: string;
  version: { version: number; language: string; variables: Array<{ name: string; required: boolean }> };
}

/** Typed HTTP client of the template function's internal routes (`/internal/v1/templates`). */
export function createTemplateClient(options: TemplateClientOptions): TemplateClient {
  const resolveTtlMs = options.resolveTtlMs ?? 10_000;
  const local = createLocalMemo<TemplateVersion | null>({ ttlMs: Math.min(2_000, resolveTtlMs) });
  const path = (code: string) => `/internal/v1/templates/${encodeURIComponent(code)}`;
  return {
    resolve(code, channel, language) {
      const key = `tpl:active:${channel}:${code}:${language}`;
      return local.get(key, () => resolveShared(key, code, channel, language));
    },
    render(code, channel, version, variables) {
      return callService(options.fetcher, 'template', 'POST', `${path(code)}/versions/${version}/render?channel=${channel}`, {
        variables,
      });
    },
  };

  async function resolveShared(key: string, code: string, channel: Channel, language: string): Promise<TemplateVersion | null> {
    const hit = await getSealed<TemplateVersion>(options.cache, options.seal, key);
    if (hit) return hit;
    const wire = await callService<ResolvedWire>(
      options.fetcher,
      'template',
      'GET',
      `${path(code)}?channel=${channel}&language=${encodeURIComponent(language)}`,
    );
    if (!wire) return null;
    const version: TemplateVersion = {
      template_code: wire.template_code,
      channel: wire.channel,
      category: wire.category,
      version: wire.version.version,
      language: wire.version.language,
      variables: wire.version.variables,
    };
    await setSealed(options.cache, options.seal, key, version, resolveTtlMs);
    return version;
  }
}

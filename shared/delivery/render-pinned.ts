import type { Rendered, TemplateClient } from '../clients/template-client.js';
import { UnprocessableError } from '../errors.js';
import type { Channel } from '../schemas/channels.js';
import type { DeliveryMessage, Prepared } from './delivery-core.js';

/** The template fields of a delivery message: the version pinned at intake and the variables. */
type PinnedMessage = DeliveryMessage & { template_code: string; template_version: number; variables: Record<string, unknown> };

/**
 * The `prepare` step every channel shares: render the version pinned at
 * intake. A version gone or content that cannot be rendered with these
 * variables is a permanent failure with its reason; the template function
 * being unreachable throws (the core retries).
 */
export function renderPinned<C extends Channel>(templates: Pick<TemplateClient, 'render'>, channel: C) {
  return async (m: PinnedMessage): Promise<Prepared<Rendered<C>>> => {
    try {
      const rendered = await templates.render(m.template_code, channel, m.template_version, m.variables);
      return rendered
        ? { ok: true, category: rendered.category, content: rendered }
        : { ok: false, reason: `template ${m.template_code} version ${m.template_version} not found` };
    } catch (error) {
      if (error instanceof UnprocessableError)
        return { ok: false, reason: `template could not be rendered: ${error.code}: ${error.message}` };
      throw error;
    }
  };
}

/**
 * Port: the one outbound HTTP call of a webhook attempt. The shared safe
 * outbound client (`shared/net/safe-outbound.ts`: resolve once, refuse
 * loopback, private, link-local and metadata addresses outside the local
 * hosts the policy names, connect to the checked address, never follow a
 * redirect, never reject) is its adapter as is.
 */
export interface WebhookTransport {
  request(call: {
    url: string;
    method: 'POST';
    headers: Record<string, string>;
    body: string;
    timeoutMs: number;
  }): Promise<WebhookAnswer>;
}

/** An answer (any status), or why there was none, as a short code fit for the delivery log. */
export type WebhookAnswer =
  | { ok: true; status: number; headers: Record<string, string | string[] | undefined> }
  | { ok: false; failure: string; cause?: unknown };

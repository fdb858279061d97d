import { z } from 'zod';
import type { OutboundFailure } from '../../../shared/net/outbound-failure.js';
import { checkUrl, type OutboundPolicy } from '../../../shared/net/outbound-policy.js';

/** Where an FCM token comes from (`platform` of a device). */
export const PUSH_PLATFORMS = ['android', 'ios', 'web'] as const;

const PROBLEMS: Record<OutboundFailure, string> = {
  invalid_url: 'must be an https URL',
  scheme_not_allowed: 'must be an https URL',
  credentials_in_url: 'must not carry credentials',
  host_not_allowed: 'must be the endpoint of a known push service (PUSH_HOST_ALLOWLIST)',
  blocked_address: 'must not point at a private or local address',
  dns_failure: 'must resolve',
  connect_timeout: 'must be reachable',
  response_timeout: 'must be reachable',
  connection_refused: 'must be reachable',
  connection_reset: 'must be reachable',
  network_unreachable: 'must be reachable',
  tls_error: 'must be reachable',
  network_error: 'must be reachable',
};

/**
 * Why a push endpoint is refused, or null when it is fine: the checks of
 * `shared/net/outbound-policy.ts` that need no network, under the push
 * endpoint policy (https; a host on the push service allow-list; no private
 * or local address; local hosts only where configured). The push worker
 * checks the same policy again at send time, with the resolved address.
 */
export function pushEndpointProblem(endpoint: string, policy: OutboundPolicy): string | null {
  const checked = checkUrl(endpoint, policy);
  return checked.ok ? null : PROBLEMS[checked.failure];
}

function decodedLength(value: string): number {
  return /^[A-Za-z0-9_-]+={0,2}$/.test(value) ? Buffer.from(value, 'base64url').length : -1;
}

/** A device to register: a Web Push subscription as browsers give it, or a mobile push token. */
export function pushDeviceBody(policy: OutboundPolicy) {
  const webPush = z.object({
    endpoint: z
      .string()
      .max(2048)
      .superRefine((value, ctx) => {
        const problem = pushEndpointProblem(value, policy);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    keys: z.object({
      // an uncompressed P-256 public key (65 bytes) and a 16-byte auth secret (RFC 8291)
      p256dh: z.string().refine((v) => decodedLength(v) === 65, 'must be a base64url P-256 public key (65 bytes)'),
      auth: z.string().refine((v) => decodedLength(v) === 16, 'must be a base64url 16-byte auth secret'),
    }),
    expiration_time: z.number().nullable().optional(),
  });
  const token = z.object({
    push_token: z.string().min(1).max(4096),
    platform: z.enum(PUSH_PLATFORMS).optional(),
  });
  // pick the shape by its key so errors name the fields of the shape the caller meant
  return z.unknown().transform((value, ctx): z.output<typeof webPush> | z.output<typeof token> => {
    const shape = value !== null && typeof value === 'object' && 'push_token' in value ? token : webPush;
    const result = shape.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    return z.NEVER;
  });
}

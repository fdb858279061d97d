import { isIP } from 'node:net';
import { z } from 'zod';

const PRIVATE_V4 = [/^10\./, /^127\./, /^169\.254\./, /^192\.168\./, /^172\.(1[6-9]|2\d|3[01])\./, /^0\./, /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./];

function isPrivateHost(hostname: string): boolean {
  // a trailing dot is the same host in DNS (`localhost.`)
  const host = hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) return true;
  if (isIP(host) === 4) return PRIVATE_V4.some((range) => range.test(host));
  if (isIP(host) === 6) return host === '::1' || host === '::' || /^f[cd]/.test(host) || /^fe[89ab]/.test(host) || host.startsWith('::ffff:');
  return false;
}

/**
 * Why a push endpoint is refused, or null when it is fine: it must be https
 * on a public host, unless its host is on the development allowlist
 * (PUSH_ENDPOINT_ALLOWLIST), which also admits http.
 */
export function pushEndpointProblem(endpoint: string, allowlist: string[]): string | null {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'must be a URL';
  }
  if (url.username || url.password) return 'must not carry credentials';
  if (allowlist.includes(url.hostname) || allowlist.includes(url.host)) {
    return url.protocol === 'https:' || url.protocol === 'http:' ? null : 'must be an http(s) URL';
  }
  if (url.protocol !== 'https:') return 'must be an https URL';
  if (isPrivateHost(url.hostname)) return 'must not point at a private or local address';
  return null;
}

function decodedLength(value: string): number {
  return /^[A-Za-z0-9_-]+={0,2}$/.test(value) ? Buffer.from(value, 'base64url').length : -1;
}

/** A device to register: a Web Push subscription as browsers give it, or a mobile push token. */
export function pushDeviceBody(allowlist: string[]) {
  const webPush = z.object({
    endpoint: z
      .string()
      .max(2048)
      .superRefine((value, ctx) => {
        const problem = pushEndpointProblem(value, allowlist);
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
    platform: z.enum(['android', 'ios', 'web']).optional(),
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

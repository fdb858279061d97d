import { lookup as dnsLookup } from 'node:dns/promises';
import { judgeAddress, parseIp } from './address-policy.js';
import { hostMatches, normalizeHost } from './host-patterns.js';
import type { OutboundFailure } from './outbound-failure.js';

/** Which URLs an outbound client may call. The defaults are the strict ones: https, any public host. */
export interface OutboundPolicy {
  /**
   * Host patterns a URL may name (`fcm.googleapis.com`, `*.push.apple.com`,
   * `*` for any; see `host-patterns.ts`). Unset: any host. Either way the
   * resolved address must be public.
   */
  allowedHosts?: readonly string[];
  /**
   * Development and tests only: hosts (`localhost`, or `127.0.0.1:8443` for
   * one port) taken although they resolve to loopback or private addresses,
   * and whether or not they are on `allowedHosts`.
   */
  localHosts?: readonly string[];
  /** Development and tests only: plain http is taken for `localHosts`. Every other URL must be https. */
  httpForLocalHosts?: boolean;
}

/** Resolve a name to all its addresses, as `dns.lookup(name, { all: true })` does. */
export type HostLookup = (hostname: string) => Promise<ReadonlyArray<{ address: string; family: number }>>;

/** The system resolver (getaddrinfo: /etc/hosts, then DNS), every address in the resolver's order. */
export const systemLookup: HostLookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export type UrlCheck = { ok: true; url: URL; local: boolean } | { ok: false; failure: OutboundFailure };

/**
 * The checks that need no network: the URL parses, is https (http only for
 * a local host when the policy says so), carries no credentials, and names
 * an allowed host; an IP literal must be a public address. A registration
 * route runs exactly this; {@link resolveTarget} adds the DNS step at send time.
 */
export function checkUrl(input: string | URL, policy: OutboundPolicy = {}): UrlCheck {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return { ok: false, failure: 'invalid_url' };
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !url.hostname) return { ok: false, failure: 'invalid_url' };
  if (url.username || url.password) return { ok: false, failure: 'credentials_in_url' };
  const local = isLocalHost(url, policy.localHosts ?? []);
  if (url.protocol === 'http:' && !(local && policy.httpForLocalHosts)) return { ok: false, failure: 'scheme_not_allowed' };
  if (local) return { ok: true, url, local };
  if (policy.allowedHosts && !hostMatches(url.hostname, policy.allowedHosts)) return { ok: false, failure: 'host_not_allowed' };
  const host = normalizeHost(url.hostname);
  if (parseIp(host)) return judgeAddress(host).allowed ? { ok: true, url, local } : { ok: false, failure: 'blocked_address' };
  if (isLocalName(host)) return { ok: false, failure: 'blocked_address' };
  return { ok: true, url, local };
}

/**
 * Names that resolve to this machine or the local network by convention
 * (RFC 6761 `localhost`, mDNS `.local`, `.internal`, `.home.arpa`), and
 * single-label names (`redis`, `user`: a container network's services).
 * Refused before DNS is asked; the address check would refuse most anyway.
 */
function isLocalName(host: string): boolean {
  if (!host.includes('.')) return true;
  return /(^|\.)(localhost|local|internal|localdomain|home\.arpa|lan)$/.test(host);
}

function isLocalHost(url: URL, localHosts: readonly string[]): boolean {
  const name = normalizeHost(url.hostname);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return localHosts.some((entry) => {
    const wanted = entry.trim().toLowerCase();
    return normalizeHost(wanted) === name || wanted === `${url.hostname.toLowerCase()}:${port}` || wanted === url.host;
  });
}

export type TargetResolution = { ok: true; address: string; family: 4 | 6 } | { ok: false; failure: OutboundFailure };

/**
 * Resolve the URL's host ONCE and judge every address it has: one refused
 * address refuses the host (a name that mixes a public and a private address
 * is an attack, not a misconfiguration). The caller connects to the address
 * returned here, and only to it, so a second, different DNS answer (DNS
 * rebinding) can never be reached. A local host (policy `localHosts`) skips
 * the address judgement but is still pinned to its first address.
 */
export async function resolveTarget(checked: { url: URL; local: boolean }, lookup: HostLookup): Promise<TargetResolution> {
  const host = normalizeHost(checked.url.hostname);
  const literal = parseIp(host);
  let addresses: ReadonlyArray<{ address: string; family: number }>;
  if (literal) {
    addresses = [{ address: literal.toString(), family: literal.kind() === 'ipv6' ? 6 : 4 }];
  } else {
    try {
      addresses = await lookup(host);
    } catch {
      return { ok: false, failure: 'dns_failure' };
    }
  }
  if (addresses.length === 0) return { ok: false, failure: 'dns_failure' };
  if (checked.local) {
    const first = addresses[0]!;
    return { ok: true, address: first.address, family: first.family === 6 ? 6 : 4 };
  }
  const verdicts = addresses.map((a) => judgeAddress(a.address));
  if (verdicts.some((v) => !v.allowed)) return { ok: false, failure: 'blocked_address' };
  const first = verdicts[0] as { allowed: true; address: string };
  return { ok: true, address: first.address, family: first.address.includes(':') ? 6 : 4 };
}

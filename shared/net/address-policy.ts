import ipaddr from 'ipaddr.js';

/**
 * Which IP addresses an outbound call to a user-supplied URL may reach.
 * Only public unicast is taken: loopback, private (RFC 1918, fc00::/7),
 * link-local, carrier-grade NAT (100.64/10), 0.0.0.0/8, multicast,
 * broadcast, documentation and other reserved ranges are refused, and so
 * are the cloud metadata addresses. An IPv4-mapped IPv6 address
 * (`::ffff:127.0.0.1`) is judged as the IPv4 address it carries; the
 * translation prefixes that embed an IPv4 address (NAT64, 6to4, Teredo) are
 * refused outright, since what they reach depends on a gateway we cannot see.
 * Range names come from ipaddr.js.
 */

/** Cloud instance metadata services (AWS, GCP, Azure, OpenStack; AWS over IPv6; Alibaba). */
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200']);

/** Why an address is refused: the ipaddr.js range name, or `metadata`. */
export type BlockedRange = string;

export type AddressVerdict = { allowed: true; address: string } | { allowed: false; range: BlockedRange };

/** Parse an IP literal (IPv6 with or without brackets); undefined when it is not one. */
export function parseIp(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  // ipaddr.isValid takes shorthand forms (`127.1`); only the canonical dotted quad or IPv6 is an address here
  if (ipaddr.IPv4.isValidFourPartDecimal(bare)) return ipaddr.IPv4.parse(bare);
  if (ipaddr.IPv6.isValid(bare)) return ipaddr.IPv6.parse(bare);
  return undefined;
}

/**
 * Judge one resolved address. `allowed` carries the address to connect to,
 * normalized (an IPv4-mapped IPv6 address becomes its IPv4 form).
 */
export function judgeAddress(text: string): AddressVerdict {
  let ip = parseIp(text);
  if (!ip) return { allowed: false, range: 'not_an_address' };
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  const canonical = ip.toString();
  if (METADATA_ADDRESSES.has(canonical)) return { allowed: false, range: 'metadata' };
  const range = ip.range();
  if (range !== 'unicast') return { allowed: false, range };
  // IPv6 unicast that ipaddr.js does not name (::/8 leftovers, IPv4-compatible `::a.b.c.d`) is not global
  if (ip.kind() === 'ipv6' && !isGlobalUnicastV6(ip as ipaddr.IPv6)) return { allowed: false, range: 'reserved' };
  return { allowed: true, address: canonical };
}

/** 2000::/3, the only IPv6 block IANA hands out as global unicast. */
function isGlobalUnicastV6(ip: ipaddr.IPv6): boolean {
  return ip.match(ipaddr.IPv6.parse('2000::'), 3);
}

/** True when `text` is an IP address outbound calls may reach. */
export function isPublicAddress(text: string): boolean {
  return judgeAddress(text).allowed;
}

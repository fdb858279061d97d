/**
 * Host allow-lists of outbound calls. A pattern is a host name
 * (`fcm.googleapis.com`, matched exactly) or `*.` and a domain
 * (`*.push.apple.com`, any name below that domain, not the domain itself).
 * `*` alone matches every host. Names compare case-insensitively and
 * without the root-label dot (`fcm.googleapis.com.` is `fcm.googleapis.com`).
 */

/** A host name as DNS compares it: lower case, no trailing root dot, no IPv6 brackets. */
export function normalizeHost(host: string): string {
  return host
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
}

/** True when `host` matches one of `patterns`. */
export function hostMatches(host: string, patterns: readonly string[]): boolean {
  const name = normalizeHost(host);
  return patterns.some((raw) => {
    const pattern = normalizeHost(raw.trim());
    if (pattern === '*') return true;
    if (pattern.startsWith('*.')) return name.endsWith(pattern.slice(1)) && name.length > pattern.length - 1;
    return name === pattern;
  });
}

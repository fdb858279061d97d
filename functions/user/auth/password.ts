import { randomBytes, type ScryptOptions, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import type { ScryptCost } from '../../../shared/config-passwords.js';

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** Bounds on parameters read from a stored hash, so no stored string can ask for gigabytes. */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;
/** scrypt needs about 128·N·r bytes: N·r at most 2^21 keeps one hash within 256 MiB, whatever N and r say. */
export const MAX_SCRYPT_MEMORY_FACTOR = 2 ** 21;
/**
 * Hashes computed at once in this process; the others wait their turn. At
 * OWASP's cost each holds 128 MiB, and libuv's four threads (which also serve
 * dns.lookup and file I/O) would otherwise all be taken by a login flood.
 */
const MAX_CONCURRENT_HASHES = 2;

let running = 0;
const waiting: Array<() => void> = [];

async function scrypt(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  if (running >= MAX_CONCURRENT_HASHES) await new Promise<void>((resolve) => waiting.push(resolve));
  running += 1;
  try {
    // Node refuses above maxmem (32 MiB by default), so allow twice what the parameters need
    const options: ScryptOptions = { ...cost, maxmem: 2 * 128 * cost.N * cost.r };
    return await new Promise((resolve, reject) =>
      scryptCallback(password, salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key))),
    );
  } finally {
    running -= 1;
    waiting.shift()?.();
  }
}

/** A stored hash, self-describing: `scrypt$N$r$p$salt$hash` (base64url salt and hash). */
function parse(stored: string): { cost: ScryptCost; salt: Buffer; hash: Buffer } | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const valid =
    Number.isSafeInteger(N) &&
    N > 1 &&
    N <= MAX_N &&
    (N & (N - 1)) === 0 &&
    Number.isSafeInteger(r) &&
    r >= 1 &&
    r <= MAX_R &&
    Number.isSafeInteger(p) &&
    p >= 1 &&
    p <= MAX_P &&
    N * r <= MAX_SCRYPT_MEMORY_FACTOR;
  if (!valid) return null;
  return { cost: { N, r, p }, salt: Buffer.from(parts[4]!, 'base64url'), hash: Buffer.from(parts[5]!, 'base64url') };
}

const format = (cost: ScryptCost, salt: Buffer, key: Buffer) =>
  ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');

async function matches(password: string, parsed: ReturnType<typeof parse>): Promise<boolean> {
  if (!parsed || parsed.hash.length === 0) return false;
  const actual = await scrypt(password, parsed.salt, parsed.cost);
  return actual.length === parsed.hash.length && timingSafeEqual(actual, parsed.hash);
}

/** Whether `password` matches `stored`, at the parameters `stored` names (any cost this module ever wrote). */
export function verifyPassword(password: string, stored: string): Promise<boolean> {
  return matches(password, parse(stored));
}

/**
 * Password hashing at a configured scrypt cost (`PASSWORD_SCRYPT_*`, OWASP's
 * by default). Hashes made at another cost still verify, and say they are
 * outdated so the caller can store a new one (rehash on login).
 */
export function createPasswordHasher(cost: ScryptCost) {
  return {
    cost,
    async hash(password: string): Promise<string> {
      const salt = randomBytes(SALT_LENGTH);
      return format(cost, salt, await scrypt(password, salt, cost));
    },
    /** `valid`: the password matches; `outdated`: the stored hash has other parameters than the configured ones. */
    async verify(password: string, stored: string): Promise<{ valid: boolean; outdated: boolean }> {
      const parsed = parse(stored);
      const valid = await matches(password, parsed);
      const outdated = !parsed || parsed.cost.N !== cost.N || parsed.cost.r !== cost.r || parsed.cost.p !== cost.p;
      return { valid, outdated };
    },
    /** A hash no password matches, at this cost: an unknown email costs as much time as a wrong password. */
    unusableHash: format(cost, randomBytes(SALT_LENGTH), randomBytes(KEY_LENGTH)),
  };
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>;

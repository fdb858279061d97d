const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  // SQLSTATE: admin shutdown, crash shutdown, cannot connect now, too many connections
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

function* causes(err: unknown): Generator<unknown> {
  for (let e: unknown = err, depth = 0; e && depth < 10; e = (e as { cause?: unknown }).cause, depth++) yield e;
}

/** True when `err` (or a cause of it) means the database cannot be reached right now. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (const e of causes(err)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  }
  return false;
}

/** True when `err` (or a cause) is a unique-constraint violation (SQLSTATE 23505). */
export function isUniqueViolation(err: unknown): boolean {
  for (const e of causes(err)) if ((e as { code?: unknown }).code === '23505') return true;
  return false;
}

/**
 * True when Postgres aborted the transaction to resolve a conflict with a
 * concurrent one (SQLSTATE 40P01 deadlock, 40001 serialization failure):
 * running the whole transaction again is the remedy.
 */
export function isTransactionConflict(err: unknown): boolean {
  for (const e of causes(err)) {
    const code = (e as { code?: unknown }).code;
    if (code === '40P01' || code === '40001') return true;
  }
  return false;
}

/** The constraint (or unique index) a unique violation names, when the driver says (postgres-js and PGlite differ). */
export function violatedConstraint(err: unknown): string | undefined {
  for (const e of causes(err)) {
    const { code, constraint_name: postgresJs, constraint: pglite } = e as Record<string, unknown>;
    if (code !== '23505') continue;
    const name = postgresJs ?? pglite;
    if (typeof name === 'string') return name;
  }
  return undefined;
}

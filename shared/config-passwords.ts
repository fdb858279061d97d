import { z } from 'zod';

/** scrypt's cost parameters: CPU/memory cost N (a power of two), block size r, parallelism p. */
export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

/** OWASP Password Storage Cheat Sheet: scrypt with N=2^17, r=8, p=1 (128 MiB per hash). */
export const OWASP_SCRYPT_COST: ScryptCost = { N: 2 ** 17, r: 8, p: 1 };

/**
 * The least work (N·r·p) production accepts: OWASP's weakest equivalent
 * setting (N=2^13, r=8, p=10, or N=2^14, r=8, p=5).
 */
const PRODUCTION_MIN_WORK = 2 ** 13 * 8 * 10;

const powerOfTwo = z.coerce
  .number()
  .int()
  .min(2 ** 10)
  .max(2 ** 20)
  .refine((n) => (n & (n - 1)) === 0, 'must be a power of two');

/** The variables of password hashing, merged into the one environment schema (`shared/config.ts`). */
export const passwordEnv = {
  /** scrypt cost of new password hashes; a stored hash with other parameters is rehashed at the next login. */
  PASSWORD_SCRYPT_N: powerOfTwo.default(OWASP_SCRYPT_COST.N),
  PASSWORD_SCRYPT_R: z.coerce.number().int().min(1).max(32).default(OWASP_SCRYPT_COST.r),
  PASSWORD_SCRYPT_P: z.coerce.number().int().min(1).max(16).default(OWASP_SCRYPT_COST.p),
};

type PasswordEnv = { [K in keyof typeof passwordEnv]: z.output<(typeof passwordEnv)[K]> };

export function passwordScryptCost(e: PasswordEnv): ScryptCost {
  return { N: e.PASSWORD_SCRYPT_N, r: e.PASSWORD_SCRYPT_R, p: e.PASSWORD_SCRYPT_P };
}

/** N·r at most this: one hash within 256 MiB (scrypt needs about 128·N·r bytes). */
const MAX_MEMORY_FACTOR = 2 ** 21;

/** Problems of a setting: one hash past 256 MiB anywhere; in production, hashes cheaper than OWASP's minimum. */
export function passwordProblems(e: PasswordEnv, production: boolean): string[] {
  const { N, r, p } = passwordScryptCost(e);
  const problems: string[] = [];
  if (N * r > MAX_MEMORY_FACTOR)
    problems.push(`PASSWORD_SCRYPT_N, PASSWORD_SCRYPT_R: N*r above ${MAX_MEMORY_FACTOR} (more than 256 MiB per hash)`);
  if (production && N * r * p < PRODUCTION_MIN_WORK)
    problems.push(
      `PASSWORD_SCRYPT_N, PASSWORD_SCRYPT_R, PASSWORD_SCRYPT_P: N*r*p below ${PRODUCTION_MIN_WORK} (OWASP's minimum) in production`,
    );
  return problems;
}

import { ServiceUnavailableError, UnprocessableError } from '../errors.js';
import { currentLogContext } from '../logging/context.js';
import type { Fetcher } from './fetcher.js';

/**
 * One internal call: the envelope's data, or null for a 404. A 422 is passed
 * on as an {@link UnprocessableError}; other failures are a 503.
 */
export async function callService<T>(
  fetcher: Fetcher,
  service: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T | null> {
  const headers: Record<string, string> = {};
  const correlationId = currentLogContext().correlation_id;
  if (correlationId) headers['x-correlation-id'] = correlationId;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetcher(
    new Request(`http://${service}${path}`, {
      method,
      headers,
      ...(body !== undefined && { body: JSON.stringify(body) }),
    }),
  );
  if (response.status === 404) return null;
  if (response.status === 422) {
    const problem = (await response.json()) as { error: string; message: string; meta?: Record<string, unknown> };
    throw new UnprocessableError(problem.error, problem.message, { details: problem.meta });
  }
  if (!response.ok) {
    throw new ServiceUnavailableError(`The ${service} function answered ${response.status} to ${method} ${path}`);
  }
  return ((await response.json()) as { data: T }).data;
}

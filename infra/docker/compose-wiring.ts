import { type ComposeFile, type ComposeService, dependsOnOf, environmentOf, functionOf } from './compose-file.js';

/**
 * What listens where inside app-network, and every reference that must hit
 * one of those ports. The original pointed a URL at a port nothing listened
 * on; {@link findWiringProblems} names every such mistake in a compose file.
 */

/** Ports the infrastructure images listen on, and the URL schemes each speaks. */
export const INFRA_LISTENERS: Record<string, Record<number, string[]>> = {
  postgres: { 5432: ['postgres', 'postgresql'] },
  redis: { 6379: ['redis'] },
  rabbitmq: { 5672: ['amqp'], 15672: ['http'] },
  'mailhog/mailhog': { 1025: ['smtp'], 8025: ['http'] },
};

/** Container ports of the functions (docs/architecture.md "Ports"). */
export const FUNCTION_CONTAINER_PORTS: Record<string, number> = {
  gateway: 8000,
  user: 8081,
  template: 8002,
  email: 8080,
  push: 8004,
};

/** URLs meant for the outside world (links in emails), not for a service in app-network. */
export const EXTERNAL_URL_VARIABLES = new Set(['PUBLIC_BASE_URL']);

const DEFAULT_PORTS: Record<string, number> = { postgres: 5432, postgresql: 5432, redis: 6379, amqp: 5672, http: 80, smtp: 25 };

/** `postgres:15` -> `postgres`, `mailhog/mailhog` stays, `rabbitmq:3.11-management` -> `rabbitmq`. */
export function imageName(image: string | undefined): string | undefined {
  if (!image) return undefined;
  const at = image.lastIndexOf(':');
  return at > image.lastIndexOf('/') ? image.slice(0, at) : image;
}

/** Port -> schemes a service listens on: its image's known ports, or a function's PORT (http). */
export function listenersOf(service: ComposeService): Record<number, string[]> {
  if (functionOf(service)) {
    const port = Number(environmentOf(service).PORT);
    return Number.isInteger(port) && port > 0 ? { [port]: ['http'] } : {};
  }
  return INFRA_LISTENERS[imageName(service.image) ?? ''] ?? {};
}

function isUrl(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
}

interface Reference {
  variable: string;
  host: string;
  port: number;
  scheme: string;
}

/** Every host:port a service's environment points at: URLs, and the SMTP_HOST/SMTP_PORT pair. */
export function referencesOf(service: ComposeService): Reference[] {
  const env = environmentOf(service);
  const refs: Reference[] = [];
  for (const [variable, value] of Object.entries(env)) {
    if (!isUrl(value) || EXTERNAL_URL_VARIABLES.has(variable)) continue;
    const url = new URL(value);
    const scheme = url.protocol.slice(0, -1);
    refs.push({ variable, host: url.hostname, port: url.port ? Number(url.port) : (DEFAULT_PORTS[scheme] ?? NaN), scheme });
  }
  if (env.SMTP_HOST) refs.push({ variable: 'SMTP_HOST', host: env.SMTP_HOST, port: Number(env.SMTP_PORT || 25), scheme: 'smtp' });
  return refs;
}

/** Every wiring mistake in the file, as readable sentences; empty when the file is consistent. */
export function findWiringProblems(compose: ComposeFile): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(compose.services)) {
    const fn = functionOf(service);
    if (fn) {
      const expected = FUNCTION_CONTAINER_PORTS[fn];
      const port = environmentOf(service).PORT;
      if (expected === undefined) problems.push(`${name}: unknown function ${fn}`);
      else if (Number(port) !== expected && service.command === undefined) {
        problems.push(`${name}: PORT=${port ?? '(unset)'} but the ${fn} container port is ${expected}`);
      }
    }
    const depends = dependsOnOf(service);
    for (const ref of referencesOf(service)) {
      const target = compose.services[ref.host];
      if (!target) {
        problems.push(`${name}: ${ref.variable} points at host "${ref.host}", which is not a service`);
        continue;
      }
      const listeners = listenersOf(target);
      const schemes = listeners[ref.port];
      if (!schemes) {
        const open = Object.keys(listeners).join(', ') || 'nothing';
        problems.push(`${name}: ${ref.variable} points at ${ref.host}:${ref.port}, but ${ref.host} listens on ${open}`);
      } else if (!schemes.includes(ref.scheme)) {
        problems.push(
          `${name}: ${ref.variable} speaks ${ref.scheme} to ${ref.host}:${ref.port}, which speaks ${schemes.join('/')}`,
        );
      }
      // infrastructure must be up before a function starts; peers are called lazily and may start later
      if (!functionOf(target) && depends[ref.host] !== 'service_healthy') {
        problems.push(`${name}: ${ref.variable} needs ${ref.host}, so depends_on ${ref.host} must be condition: service_healthy`);
      }
    }
  }
  return problems;
}

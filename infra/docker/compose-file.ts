import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/**
 * docker-compose.yml as the infra tests see it: parsed (YAML merge keys on,
 * as docker compose does), `${VAR}` interpolated from a given environment,
 * and normalised accessors for the parts that come in two spellings.
 */

export type Env = Record<string, string | undefined>;

export interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string; args?: Record<string, string> | string[] };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: Array<string | number>;
  volumes?: string[];
  networks?: string[] | Record<string, unknown>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  depends_on?: string[] | Record<string, { condition?: string }>;
  restart?: string;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  networks?: Record<string, { driver?: string } | null>;
  volumes?: Record<string, unknown>;
}

/** Thrown when `${VAR:?message}` names an unset variable, like docker compose. */
export class MissingVariableError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`${variable}: ${detail}`);
    this.name = 'MissingVariableError';
  }
}

const VARIABLE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Compose interpolation: `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}`, `${VAR?err}`. */
export function interpolate(value: string, env: Env): string {
  return value.replace(VARIABLE, (match, braced?: string, op?: string, arg?: string, bare?: string) => {
    if (match === '$$') return '$';
    const name = (braced ?? bare)!;
    const current = env[name];
    const unsetOrEmpty = current === undefined || current === '';
    switch (op) {
      case ':-':
        return unsetOrEmpty ? (arg ?? '') : current;
      case '-':
        return current === undefined ? (arg ?? '') : current;
      case ':?':
        if (unsetOrEmpty) throw new MissingVariableError(name, arg || 'required');
        return current;
      case '?':
        if (current === undefined) throw new MissingVariableError(name, arg || 'required');
        return current;
      default:
        return current ?? '';
    }
  });
}

function interpolateDeep(node: unknown, env: Env): unknown {
  if (typeof node === 'string') return interpolate(node, env);
  if (Array.isArray(node)) return node.map((item) => interpolateDeep(item, env));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, interpolateDeep(value, env)]));
  }
  return node;
}

/** Parse compose YAML and interpolate every string value from `env`. */
export function parseCompose(text: string, env: Env): ComposeFile {
  const raw = parse(text, { merge: true }) as ComposeFile;
  return interpolateDeep(raw, env) as ComposeFile;
}

export function readCompose(path: string, env: Env): ComposeFile {
  return parseCompose(readFileSync(path, 'utf8'), env);
}

function listToMap(list: string[]): Record<string, string> {
  return Object.fromEntries(
    list.map((entry) => {
      const at = entry.indexOf('=');
      return at === -1 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
    }),
  );
}

/** A service's environment as name -> string, whichever spelling the file uses. */
export function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment;
  if (!env) return {};
  if (Array.isArray(env)) return listToMap(env);
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, value === null ? '' : String(value)]));
}

export function buildArgsOf(service: ComposeService): Record<string, string> {
  const args = service.build?.args;
  if (!args) return {};
  return Array.isArray(args) ? listToMap(args) : Object.fromEntries(Object.entries(args).map(([k, v]) => [k, String(v)]));
}

export interface PortMapping {
  host: string;
  container: number;
}

/** `ports:` entries as host (may be a range) and container port; `[ip:]host:container[/proto]`. */
export function portsOf(service: ComposeService): PortMapping[] {
  return (service.ports ?? []).map((entry) => {
    const spec = String(entry).replace(/\/(tcp|udp)$/, '');
    const parts = spec.split(':');
    const container = Number(parts.at(-1));
    const host = parts.length >= 2 ? parts.at(-2)! : '';
    return { host, container };
  });
}

/** `depends_on` as service -> condition (the list spelling means `service_started`). */
export function dependsOnOf(service: ComposeService): Record<string, string> {
  const deps = service.depends_on;
  if (!deps) return {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((name) => [name, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([name, spec]) => [name, spec?.condition ?? 'service_started']));
}

export function networksOf(service: ComposeService): string[] {
  const networks = service.networks;
  if (!networks) return [];
  return Array.isArray(networks) ? networks : Object.keys(networks);
}

export function commandOf(service: ComposeService): string[] | undefined {
  const command = service.command;
  if (command === undefined) return undefined;
  return Array.isArray(command) ? command : ['/bin/sh', '-c', command];
}

/** Services built from our Dockerfile: they carry a FUNCTION build argument. */
export function functionOf(service: ComposeService): string | undefined {
  return buildArgsOf(service).FUNCTION;
}

/** Services in an order where each comes after everything it depends on; throws on a cycle. */
export function startOrder(compose: ComposeFile): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new Error(`depends_on cycle: ${[...path, name].join(' -> ')}`);
    state.set(name, 'visiting');
    const service = compose.services[name];
    if (!service) throw new Error(`${path.at(-1)} depends on unknown service ${name}`);
    for (const dep of Object.keys(dependsOnOf(service))) visit(dep, [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of Object.keys(compose.services)) visit(name, []);
  return order;
}

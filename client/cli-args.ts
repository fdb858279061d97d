import { parseArgs } from 'node:util';
import { CHANNELS, type Channel } from '../shared/schemas/channels.js';
import { NOTIFICATION_STATUSES } from '../shared/schemas/notification-statuses.js';

const isChannel = (value: string): value is Channel => (CHANNELS as readonly string[]).includes(value);

import type { ListNotificationsFilters } from './notify-types.js';

/** A command line the CLI cannot run: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `usage: notify <command>
  send --user <id> --template <code> --type email|push [--var name=value ...] [--request-id <id>] [--send-at <iso>] [--priority <0-10>]
  batch --file <path.ndjson|path.json>       send many (JSON array, {"notifications": [...]}, or one per line)
  get <id>                                   a notification with its timeline
  list [--status s] [--user id] [--type email|push] [--page n] [--limit n]
  trigger <workflow_key> --user <id>|--external-id <id> [--payload '<json object>'] [--request-id <id>]
  runs <run_id>                              a workflow run and its steps
  runs cancel <run_id>                       cancel a run that has not finished
  dlq list [limit] | dlq redrive <id|all> | dlq purge
  bench [...]                                runs npm run bench
environment: NOTIFY_URL (default http://localhost:8000), NOTIFY_API_KEY`;

export type CliCommand =
  | { kind: 'help' }
  | {
      kind: 'send';
      user: string;
      template: string;
      type: Channel;
      variables: Record<string, string>;
      requestId: string | undefined;
      sendAt: string | undefined;
      priority: number | undefined;
    }
  | { kind: 'batch'; file: string }
  | { kind: 'get'; id: string }
  | { kind: 'list'; filters: ListNotificationsFilters }
  | {
      kind: 'trigger';
      workflowKey: string;
      recipient: { user_id: string } | { external_id: string };
      payload: Record<string, unknown>;
      requestId: string | undefined;
    }
  | { kind: 'run'; id: string }
  | { kind: 'cancelRun'; id: string }
  | { kind: 'dlq'; args: string[] }
  | { kind: 'bench'; args: string[] };

/** Turn `argv` (without node and the script) into a command; throws {@link UsageError}. */
export function parseCli(argv: readonly string[]): CliCommand {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return { kind: 'help' };
    case 'send': {
      const { values } = parse(rest, {
        user: { type: 'string' },
        template: { type: 'string' },
        type: { type: 'string' },
        var: { type: 'string', multiple: true },
        'request-id': { type: 'string' },
        'send-at': { type: 'string' },
        priority: { type: 'string' },
      });
      const user = required(values.user, '--user');
      const template = required(values.template, '--template');
      const type = required(values.type, '--type');
      if (!isChannel(type)) throw new UsageError(`--type must be ${CHANNELS.join(' or ')}, got ${type}`);
      return {
        kind: 'send',
        user,
        template,
        type,
        variables: parseVariables(values.var ?? []),
        requestId: values['request-id'],
        sendAt: values['send-at'],
        priority: values.priority === undefined ? undefined : integer(values.priority, '--priority'),
      };
    }
    case 'batch': {
      const { values } = parse(rest, { file: { type: 'string' } });
      return { kind: 'batch', file: required(values.file, '--file') };
    }
    case 'get': {
      const { positionals } = parse(rest, {}, true);
      if (positionals.length !== 1) throw new UsageError('get takes one notification id');
      return { kind: 'get', id: positionals[0]! };
    }
    case 'list': {
      const { values } = parse(rest, {
        status: { type: 'string' },
        user: { type: 'string' },
        type: { type: 'string' },
        page: { type: 'string' },
        limit: { type: 'string' },
      });
      const status = values.status as (typeof NOTIFICATION_STATUSES)[number] | undefined;
      if (status !== undefined && !NOTIFICATION_STATUSES.includes(status)) {
        throw new UsageError(`--status must be one of ${NOTIFICATION_STATUSES.join(', ')}`);
      }
      if (values.type !== undefined && !isChannel(values.type)) throw new UsageError(`--type must be ${CHANNELS.join(' or ')}`);
      const filters: ListNotificationsFilters = {
        ...(status && { status }),
        ...(values.user && { user_id: values.user }),
        ...(values.type && { notification_type: values.type }),
        ...(values.page && { page: integer(values.page, '--page') }),
        ...(values.limit && { limit: integer(values.limit, '--limit') }),
      };
      return { kind: 'list', filters };
    }
    case 'trigger': {
      const { values, positionals } = parse(
        rest,
        {
          user: { type: 'string' },
          'external-id': { type: 'string' },
          payload: { type: 'string' },
          'request-id': { type: 'string' },
        },
        true,
      );
      if (positionals.length !== 1) throw new UsageError('trigger takes one workflow key');
      const user = values.user || undefined;
      const externalId = values['external-id'] || undefined;
      if ((user === undefined) === (externalId === undefined))
        throw new UsageError('give exactly one of --user and --external-id');
      return {
        kind: 'trigger',
        workflowKey: positionals[0]!,
        recipient: user !== undefined ? { user_id: user } : { external_id: externalId! },
        payload: values.payload === undefined ? {} : parsePayload(values.payload),
        requestId: values['request-id'],
      };
    }
    case 'runs': {
      const { positionals } = parse(rest, {}, true);
      if (positionals.length === 1 && positionals[0] !== 'cancel') return { kind: 'run', id: positionals[0]! };
      if (positionals.length === 2 && positionals[0] === 'cancel') return { kind: 'cancelRun', id: positionals[1]! };
      throw new UsageError('runs <run_id> | runs cancel <run_id>');
    }
    case 'dlq': {
      const [sub, arg, ...extra] = rest;
      const ok =
        extra.length === 0 &&
        (sub === 'list' || (sub === 'redrive' && arg !== undefined) || (sub === 'purge' && arg === undefined));
      if (!ok) throw new UsageError('dlq list [limit] | dlq redrive <id|all> | dlq purge');
      return { kind: 'dlq', args: rest };
    }
    case 'bench':
      return { kind: 'bench', args: rest };
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

function parse<O extends Options>(args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options: options as O & {}, strict: true, allowPositionals });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`${flag} is required`);
  return value;
}

function integer(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new UsageError(`${flag} must be an integer, got ${value}`);
  return n;
}

/** `--var name=value` (the value may hold `=`) into `{ name: value }`. */
export function parseVariables(pairs: readonly string[]): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError(`--var takes name=value, got ${pair}`);
    variables[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return variables;
}

/** `--payload` is a JSON object: the trigger's payload, the variables of its send steps. */
export function parsePayload(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`--payload is not JSON: ${text}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UsageError('--payload must be a JSON object');
  return value as Record<string, unknown>;
}

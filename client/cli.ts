import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type CliCommand, parseCli, USAGE, UsageError } from './cli-args.js';
import { loadCliConfig } from './cli-config.js';
import {
  createNotifyClient,
  type FetchLike,
  NotifyApiError,
  type NotifyClient,
  type SendNotificationRequest,
  type WorkflowRunWithSteps,
} from './notify-client.js';

/** Everything the CLI touches outside itself, injected so tests run it in-process. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is a terminal: the progress bar redraws in place, else one line per step. */
  stderrIsTTY: boolean;
  env: Record<string, string | undefined>;
  readFile(path: string): Promise<string>;
  /** Run a command in the repository root with inherited stdio; resolves with its exit code. */
  spawn(command: string, args: string[]): Promise<number>;
  fetch?: FetchLike;
}

export const EXIT_OK = 0;
export const EXIT_API_ERROR = 1;
export const EXIT_USAGE = 2;

/**
 * Run the CLI: `argv` without node and the script. Resolves with the exit
 * code: 0 ok, 1 API error (message on stderr), 2 usage error.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let command: CliCommand;
  try {
    command = parseCli(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`${err.message}\n${USAGE}\n`);
    return EXIT_USAGE;
  }
  if (command.kind === 'help') {
    io.stdout(`${USAGE}\n`);
    return EXIT_OK;
  }
  if (command.kind === 'dlq') return io.spawn('npm', ['run', '--silent', 'dlq', '--', ...command.args]);
  if (command.kind === 'bench') return io.spawn('npm', ['run', '--silent', 'bench', '--', ...command.args]);

  let client: NotifyClient;
  try {
    const config = loadCliConfig(io.env);
    client = createNotifyClient({ baseUrl: config.url, apiKey: config.apiKey, ...(io.fetch && { fetch: io.fetch }) });
  } catch (err) {
    io.stderr(`${(err as Error).message}\n`);
    return EXIT_USAGE;
  }
  try {
    return await run(command, client, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`${err.message}\n`);
      return EXIT_USAGE;
    }
    io.stderr(`${describeError(err)}\n`);
    return EXIT_API_ERROR;
  }
}

async function run(
  command: Exclude<CliCommand, { kind: 'help' | 'dlq' | 'bench' }>,
  client: NotifyClient,
  io: CliIo,
): Promise<number> {
  switch (command.kind) {
    case 'send': {
      const accepted = await client.send({
        notification_type: command.type,
        user_id: command.user,
        template_code: command.template,
        variables: command.variables,
        // the gateway requires an idempotency key: one per CLI call unless given
        request_id: command.requestId ?? `cli-${randomUUID()}`,
        ...(command.sendAt && { send_at: command.sendAt }),
        ...(command.priority !== undefined && { priority: command.priority }),
      });
      io.stdout(`${accepted.notification_id}\t${accepted.status}${accepted.reason ? `\t${accepted.reason}` : ''}\n`);
      return EXIT_OK;
    }
    case 'batch': {
      const items = parseBatchFile(await readBatch(io, command.file), command.file);
      const bar = createProgressBar(io);
      const result = await client.sendBatch(items, { onProgress: bar.update });
      bar.done();
      for (const item of result.items) {
        const line = item.success ? `${item.data?.notification_id}\t${item.data?.status}` : `${item.error}\t${item.message}`;
        io.stdout(`${item.index}\t${item.status_code}\t${line}\n`);
      }
      io.stderr(`${result.accepted} accepted, ${result.rejected} rejected\n`);
      return result.rejected > 0 ? EXIT_API_ERROR : EXIT_OK;
    }
    case 'get':
      io.stdout(`${JSON.stringify(await client.get(command.id), null, 2)}\n`);
      return EXIT_OK;
    case 'list': {
      const page = await client.list(command.filters);
      for (const n of page.data)
        io.stdout(`${n.id}\t${n.status}\t${n.notification_type}\t${n.user_id}\t${n.template_code}\t${n.created_at}\n`);
      io.stderr(`page ${page.meta.page}/${page.meta.total_pages}, ${page.meta.total} in all\n`);
      return EXIT_OK;
    }
    case 'trigger': {
      const run = await client.trigger(command.workflowKey, {
        ...command.recipient,
        payload: command.payload,
        // like send: one idempotency key per CLI call unless given
        request_id: command.requestId ?? `cli-${randomUUID()}`,
      });
      io.stdout(`${run.workflow_run_id}\t${run.status}\n`);
      return EXIT_OK;
    }
    case 'run':
      io.stdout(formatRun(await client.run(command.id)));
      return EXIT_OK;
    case 'cancelRun': {
      const run = await client.cancelRun(command.id);
      io.stdout(`${run.workflow_run_id}\t${run.status}\n`);
      return EXIT_OK;
    }
  }
}

/**
 * A run as the `runs` command prints it: one line for the run, then one per
 * step (index, type, state, wait until, notification id, detail), tab-separated.
 */
export function formatRun(run: WorkflowRunWithSteps): string {
  const head = [
    run.workflow_run_id,
    run.status,
    `${run.workflow_key} v${run.version}`,
    `user ${run.user_id}`,
    `step ${run.step_index}`,
    `created ${run.created_at}`,
    `updated ${run.updated_at}`,
    ...(run.merged_into ? [`merged into ${run.merged_into}`] : []),
    ...(run.error ? [`error ${run.error}`] : []),
  ];
  const steps = run.steps.map((s) =>
    [s.index, s.type, s.state, s.wait_until ?? '-', s.notification_id ?? '-', s.detail ?? ''].join('\t').trimEnd(),
  );
  return `${[head.join('\t'), ...steps].join('\n')}\n`;
}

async function readBatch(io: CliIo, file: string): Promise<string> {
  try {
    return await io.readFile(file);
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/** A JSON array, `{ "notifications": [...] }`, or NDJSON (one notification per line). */
export function parseBatchFile(text: string, name = 'batch file'): SendNotificationRequest[] {
  let items: unknown;
  try {
    const whole = JSON.parse(text) as unknown;
    items = Array.isArray(whole) ? whole : ((whole as { notifications?: unknown } | null)?.notifications ?? [whole]);
  } catch {
    items = text
      .split('\n')
      .map((line, i) => ({ line: line.trim(), n: i + 1 }))
      .filter(({ line }) => line !== '')
      .map(({ line, n }) => {
        try {
          return JSON.parse(line) as unknown;
        } catch {
          throw new UsageError(`${name}: line ${n} is not JSON`);
        }
      });
  }
  if (!Array.isArray(items) || items.length === 0) throw new UsageError(`${name}: no notifications`);
  return items as SendNotificationRequest[];
}

const BAR_WIDTH = 30;

/** `[##########....................]  33% 1000/3000` */
export function renderProgress(done: number, total: number, width = BAR_WIDTH): string {
  const ratio = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}% ${done}/${total}`;
}

function createProgressBar(io: CliIo) {
  let drawn = false;
  return {
    update(done: number, total: number) {
      drawn = true;
      io.stderr(io.stderrIsTTY ? `\r${renderProgress(done, total)}` : `${renderProgress(done, total)}\n`);
    },
    done() {
      if (drawn && io.stderrIsTTY) io.stderr('\n');
    },
  };
}

function describeError(err: unknown): string {
  if (err instanceof NotifyApiError) {
    const fields = Array.isArray(err.meta.fields) ? ` ${JSON.stringify(err.meta.fields)}` : '';
    const retry = err.retryAfter !== undefined ? ` (retry after ${err.retryAfter}s)` : '';
    return `error: ${err.code} (${err.status}): ${err.message}${fields}${retry}`;
  }
  return `error: ${err instanceof Error ? err.message : String(err)}`;
}

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The process's own io: stdout/stderr, the environment, files, `npm` in the repository root. */
export function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    readFile: (path) => readFile(path, 'utf8'),
    spawn: (command, args) =>
      new Promise((resolve, reject) => {
        const child = spawn(command, args, { cwd: REPO_ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
        child.on('error', reject);
        child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
      }),
  };
}

/** Entry point of `notify` (bin) and `npm run notify`: runs with the process's io and sets the exit code. */
export async function runCli(argv = process.argv.slice(2)): Promise<void> {
  process.exitCode = await main(argv, processIo());
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runCli();

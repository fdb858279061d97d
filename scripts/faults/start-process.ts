// `npm start` (scripts/start.ts) as a process of a fault scenario: every
// function of the list in one process, on ports it picks itself and prints,
// killed with SIGKILL as a crash would, and started again on the same data.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const START = fileURLToPath(new URL('../start.ts', import.meta.url));
/** Variables of the test's own environment that must not reach the platform (CI sets them for the suites). */
const INHERITED_OUT = ['DATABASE_URL', 'REDIS_URL', 'AMQP_URL', 'QUEUE_DRIVER', 'FUNCTIONS', 'PORT', 'NODE_ENV'];

export interface StartProcess {
  /** The gateway's base URL, read from the banner. */
  gatewayUrl: string;
  /** The last lines the process wrote (stdout and stderr). */
  tail(): string;
  /** SIGKILL to its process group: nothing it could do on its way out. */
  killHard(): Promise<void>;
  /** SIGTERM, then SIGKILL if it is still there after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Start `scripts/start.ts` with `env` (plus START_ANY_PORTS); resolves once it printed its URLs. */
export function startProcess(env: Record<string, string>, readyTimeoutMs = 180_000): Promise<StartProcess> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !INHERITED_OUT.includes(name)));
  // `node --import tsx` keeps it one process (no npm wrapper), in a group of its own for the kill
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', START], {
    env: { ...base, START_ANY_PORTS: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n'));
    if (lines.length > 400) lines.splice(0, lines.length - 400);
  };
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // already gone
    }
  };
  const handle = (gatewayUrl: string): StartProcess => ({
    gatewayUrl,
    tail: () => lines.slice(-60).join('\n'),
    async killHard() {
      if (!gone()) signal('SIGKILL');
      await exited;
    },
    async stop(graceMs = 15_000) {
      if (gone()) return;
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal('SIGKILL');
      reject(new Error(`npm start printed no gateway URL within ${readyTimeoutMs} ms:\n${lines.join('\n')}`));
    }, readyTimeoutMs);
    child.stderr!.on('data', keep);
    child.stdout!.on('data', (chunk: Buffer) => {
      keep(chunk);
      const match = /gateway\s+(http:\/\/[\w.-]+:\d+)/.exec(lines.join('\n'));
      if (match) {
        clearTimeout(timer);
        resolve(handle(match[1]!));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code}) before it was ready:\n${lines.join('\n')}`));
    });
  });
}

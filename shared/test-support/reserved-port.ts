import { randomInt } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Ports for processes a test starts and must name before they run (a peer's
 * URL). A port taken with `listen(0)` and released is in the kernel's
 * ephemeral range, where any other test's `listen(0)` and every outgoing
 * connection (to Postgres, Redis, a child's peer) may take it before the
 * child binds it: the child then dies with EADDRINUSE, or a health probe
 * meets another test's server. So these come from below that range, and
 * each is reserved across the test processes of this machine by a file
 * created exclusively (a reservation is honoured for an hour).
 */
const RESERVATIONS = join(tmpdir(), 'notify-test-ports');
const HONOURED_MS = 60 * 60_000;
const LOWEST = 10_000;

/** The first port of the kernel's ephemeral range (Linux's default when it cannot be read). */
function ephemeralStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    return Number(low) > LOWEST + 1_000 ? Number(low) : 32_768;
  } catch {
    return 32_768;
  }
}

function reserve(port: number): boolean {
  mkdirSync(RESERVATIONS, { recursive: true });
  const file = join(RESERVATIONS, String(port));
  try {
    if (Date.now() - statSync(file).mtimeMs < HONOURED_MS) return false;
    rmSync(file, { force: true });
  } catch {
    // no reservation yet
  }
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch {
    return false;
  }
}

const bindable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });

/** A port no other test process holds or was given, outside the ephemeral range, bindable right now. */
export async function reservePort(): Promise<number> {
  const high = ephemeralStart();
  for (let tries = 0; tries < 500; tries++) {
    const port = randomInt(LOWEST, high);
    if (reserve(port) && (await bindable(port))) return port;
  }
  throw new Error(`no free port between ${LOWEST} and ${high}`);
}

/** `count` distinct reserved ports. */
export async function reservePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) ports.push(await reservePort());
  return ports;
}

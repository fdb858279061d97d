import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Issue 13, "nothing listens wider than it must": a function started without HOST listened on every
// interface (0.0.0.0), so its internal routes were one hop from any network the machine is on.

/** Start one function as its container entry does (main.ts), with `env`. */
function spawnFunction(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'functions/template/main.ts'], {
    env: { PATH: process.env.PATH, NODE_ENV: 'development', LOG_LEVEL: 'info', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Resolves with the address the function logged once it listens; rejects if it exits first. */
function listeningAddress(child: ChildProcess): Promise<{ host: string; port: number }> {
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        if (!line.includes('listening on')) continue;
        const parsed = JSON.parse(line) as { host?: string; port?: number };
        if (parsed.host && parsed.port) resolve({ host: parsed.host, port: parsed.port });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before listening:\n${output}`)));
  });
}

/** Stops the child whatever state it is in (a test that timed out must not leave it running). */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(killer);
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('attack: a function started without HOST', () => {
  it('binds loopback only (the address its socket reports), and answers there', { timeout: 60_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'listen-'));
    const child = spawnFunction({ DATA_DIR: dataDir, USER_SERVICE_URL: 'http://127.0.0.1:9' });
    try {
      const started = await listeningAddress(child);
      expect(started.host).toBe('127.0.0.1');
      expect(await reachable('127.0.0.1', started.port)).toBe(true);
    } finally {
      await stop(child);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

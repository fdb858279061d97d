import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AmqpQueueType } from '../../config.js';
import type { RoutingKey } from '../../messages.js';

/** How the child process builds its queue: the adapter and its (JSON-safe) options. */
export type StuckConsumerSpec =
  | { driver: 'rabbitmq'; options: { url: string; prefix: string; deliveryLimit?: number; queueType?: AmqpQueueType } }
  | { driver: 'postgres'; options: { databaseUrl: string; visibilityTimeoutMs: number; deliveryLimit?: number } }
  | {
      driver: 'sqs';
      options: { endpoint: string; region: string; prefix: string; visibilityTimeoutSeconds: number; waitTimeSeconds: number };
    };

const CHILD = fileURLToPath(new URL('./stuck-consumer.ts', import.meta.url));

/**
 * Start a consumer of `key` in another process that takes `count` messages
 * and never settles them. Resolves once it holds them all, so the caller can
 * SIGKILL it mid-batch.
 */
export function spawnStuckConsumer(spec: StuckConsumerSpec, key: RoutingKey, count: number): Promise<ChildProcess> {
  // `node --import tsx` keeps it one process, so SIGKILL hits the consumer itself, not a wrapper
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify({ spec, key, count })], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(`holding ${count}`)) resolve(child);
    });
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`stuck consumer exited early (${code}): ${err || out}`)));
  });
}

/** SIGKILL: no close, no nack, nothing the consumer could do on its way out. */
export function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    process.kill(child.pid!, 'SIGKILL');
  });
}

/**
 * Start a consumer of `key` in another process that SIGKILLs itself on the
 * first message it takes (a message that crashes its consumer). Resolves when
 * it died that way.
 */
export function spawnCrashingConsumer(spec: StuckConsumerSpec, key: RoutingKey): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify({ spec, key, count: 1, crash: true })], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('exit', (_code, signal) =>
      signal === 'SIGKILL' ? resolve() : reject(new Error(`crashing consumer exited otherwise (${signal}): ${err}`)),
    );
  });
}

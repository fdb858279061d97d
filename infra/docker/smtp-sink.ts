import { createServer, type AddressInfo } from 'node:net';
import { startCapturingSmtpSink } from '../../scripts/stack/capturing-smtp-sink.js';

/** An SMTP server standing in for MailHog in tests: accepts every message (a readiness probe, a transport `verify()`). */
export interface SmtpSink {
  port: number;
  close(): Promise<void>;
}

/** The stack's capturing sink (real SMTP protocol, `smtp-server`), on a free port. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const sink = await startCapturingSmtpSink();
  return { port: sink.port, close: () => sink.close() };
}

/** A TCP port free right now on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

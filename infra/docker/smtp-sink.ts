import { startCapturingSmtpSink } from '../../scripts/stack/capturing-smtp-sink.js';
import { reservePort } from '../../shared/test-support/reserved-port.js';

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

/** A port for a process the test starts (see reserved-port.ts: outside the ephemeral range, reserved across test processes). */
export const freePort = reservePort;

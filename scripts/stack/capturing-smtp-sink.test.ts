import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CapturingSmtpSink, startCapturingSmtpSink } from './capturing-smtp-sink.js';

/** Write `line` and wait for the sink's answer. */
function say(socket: Socket, line: string): Promise<string> {
  return new Promise((resolve) => {
    socket.once('data', (chunk) => resolve(chunk.toString()));
    socket.write(`${line}\r\n`);
  });
}

/** A client socket once the sink greeted it, with the greeting. */
function greeted(port: number): Promise<{ socket: Socket; greeting: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('error', reject);
    socket.once('data', (chunk) => resolve({ socket, greeting: chunk.toString() }));
  });
}

describe('the capturing SMTP sink', () => {
  let sink: CapturingSmtpSink;
  beforeAll(async () => {
    sink = await startCapturingSmtpSink();
  });
  afterAll(() => sink.close());

  it('outlives clients that reset their connections mid-message (a killed email process), and greets the next one', async () => {
    const clients = await Promise.all([1, 2, 3].map(() => greeted(sink.port)));
    for (const { socket } of clients) {
      await say(socket, 'EHLO client.test');
      await say(socket, 'MAIL FROM:<a@example.com>');
      await say(socket, 'RCPT TO:<b@example.com>');
      expect(await say(socket, 'DATA')).toMatch(/^354 /);
      socket.write('Subject: half a message\r\n');
    }
    for (const { socket } of clients) socket.resetAndDestroy();
    // the resets reach the sink as ECONNRESET on each of its connections
    await new Promise((resolve) => setTimeout(resolve, 200));
    const next = await greeted(sink.port);
    expect(next.greeting).toMatch(/^220 /);
    next.socket.destroy();
  });
});

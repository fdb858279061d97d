import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One message as the server received it. */
export interface ReceivedMail {
  messageId: string | undefined;
  to: string[];
  /** Unfolded header values by lower-case name (last one wins). */
  headers: Record<string, string>;
  raw: string;
}

export interface ReplyRule {
  /** SMTP reply code, e.g. 451, 550. */
  code: number;
  text: string;
  /** How many RCPT TO for that address get this reply before it is accepted; Infinity by default. */
  times?: number;
}

/**
 * A real SMTP server (npm `smtp-server`) for tests and the bench: accepts
 * everything unless told to answer a given recipient with a given code, or to
 * refuse every connection and message (421) while `down`. Counts connections and messages.
 */
export interface SmtpTestServer {
  port: number;
  received: ReceivedMail[];
  /** Distinct Message-IDs received, with how many times each arrived. */
  messageIdCounts(): Map<string, number>;
  connections: number;
  replyTo(address: string, rule: ReplyRule): void;
  setDown(down: boolean): void;
  /**
   * The next `count` messages are received in full (and counted) but get no
   * answer: the connection is dropped, or with `hang` left open and silent.
   */
  dropAfterData(count: number, options?: { hang?: boolean }): void;
  /** Keep only the Message-ID (bench: no per-message allocations beyond the count). */
  countOnly: boolean;
  close(): Promise<void>;
}

function parseHeaders(raw: string): Record<string, string> {
  const end = raw.indexOf('\r\n\r\n');
  const head = (end < 0 ? raw : raw.slice(0, end)).replace(/\r\n[ \t]+/g, ' ');
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** What smtp-server keeps of a client connection (not in its types). */
interface SessionConnection {
  session: { id: string };
  _socket: Socket;
}

const smtpError = (code: number, text: string) => Object.assign(new Error(text), { responseCode: code });

export async function startSmtpTestServer(options: { countOnly?: boolean } = {}): Promise<SmtpTestServer> {
  const rules = new Map<string, ReplyRule>();
  const counts = new Map<string, number>();
  let down = false;
  let drops = 0;
  let hang = false;
  const state: SmtpTestServer = {
    port: 0,
    received: [],
    messageIdCounts: () => counts,
    connections: 0,
    replyTo: (address, rule) => void rules.set(address.toLowerCase(), { ...rule }),
    setDown: (value) => {
      down = value;
    },
    dropAfterData: (count, options = {}) => {
      drops = count;
      hang = options.hang ?? false;
    },
    countOnly: options.countOnly ?? false,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    hideSTARTTLS: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 10 * 1024 * 1024,
    closeTimeout: 500,
    onConnect(_session, callback) {
      state.connections++;
      callback(down ? smtpError(421, '4.3.2 Service not available, closing transmission channel') : null);
    },
    // pooled connections opened before `down` get the same answer on their next message
    onMailFrom(_address, _session, callback) {
      callback(down ? smtpError(421, '4.3.2 Service not available, closing transmission channel') : null);
    },
    onRcptTo(address, _session, callback) {
      const rule = rules.get(address.address.toLowerCase());
      if (rule && (rule.times ?? Infinity) > 0) {
        rule.times = (rule.times ?? Infinity) - 1;
        callback(smtpError(rule.code, rule.text));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const headers = parseHeaders(raw);
        const messageId = headers['message-id'];
        if (messageId) counts.set(messageId, (counts.get(messageId) ?? 0) + 1);
        if (!state.countOnly) state.received.push({ messageId, to: session.envelope.rcptTo.map((r) => r.address), headers, raw });
        if (drops > 0) {
          drops--;
          if (hang) return;
          // the message is here, the client never hears so: the ambiguous end of a send
          const connection = [...(server as unknown as { connections: Set<SessionConnection> }).connections].find(
            (c) => c.session.id === session.id,
          );
          connection?._socket.destroy();
          return;
        }
        callback(null, `2.0.0 Ok: queued as Q${counts.size}x${chunks.length}`);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // smtp-server re-emits each client connection's socket error on the server; a reset client is not a server fault
  server.on('error', () => undefined);
  state.port = (server.server.address() as AddressInfo).port;
  return state;
}

/** A TCP server that accepts connections and never says a word: an SMTP relay that hangs. */
export async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

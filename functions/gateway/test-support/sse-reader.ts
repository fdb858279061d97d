/** One Server-Sent Event as a client sees it. */
export interface SseEvent {
  event: string;
  id?: string;
  data: string;
}

/**
 * Reads a `text/event-stream` body event by event (comments skipped), as a
 * browser's EventSource parses it. `next()` waits for the next event; `close()`
 * cancels the body.
 */
export function readSse(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const ready: SseEvent[] = [];

  const parse = (block: string) => {
    const event: SseEvent = { event: 'message', data: '' };
    const data: string[] = [];
    let any = false;
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event.event = value;
      else if (field === 'id') event.id = value;
      else if (field === 'data') data.push(value);
      else continue;
      any = true;
    }
    event.data = data.join('\n');
    if (any && (data.length > 0 || event.event !== 'message')) ready.push(event);
  };

  return {
    async next(): Promise<SseEvent> {
      for (;;) {
        const event = ready.shift();
        if (event) return event;
        const { value, done } = await reader.read();
        if (done) throw new Error('the stream ended');
        buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
      }
    },
    /** The next event named `name`, skipping others. */
    async nextOf(name: string): Promise<SseEvent> {
      for (;;) {
        const event = await this.next();
        if (event.event === name) return event;
      }
    },
    async close(): Promise<void> {
      await reader.cancel().catch(() => undefined);
    },
  };
}

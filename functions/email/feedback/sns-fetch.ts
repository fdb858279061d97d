/** Most bytes read from an SNS answer (a signing certificate is about 2 KB). */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * GET a URL SNS handed us (a signing certificate, a SubscribeURL), already
 * checked to be on an AWS SNS host. A redirect is never followed (it could
 * lead anywhere): a 3xx, like any other non-2xx, is a failed fetch. The
 * answer's text, at most 64 KB: a longer answer is refused as soon as it
 * passes the bound (declared or read), so an endless body costs 64 KB.
 */
export async function fetchFromSns(url: string): Promise<string> {
  const host = new URL(url).host;
  const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(5_000) });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`${host} answered HTTP ${response.status}`);
  }
  const tooLong = new Error(`${host} answered more than ${MAX_ANSWER_BYTES} bytes`);
  if (Number(response.headers.get('content-length') ?? 0) > MAX_ANSWER_BYTES) {
    await response.body?.cancel();
    throw tooLong;
  }
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = response.body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    length += read.value.byteLength;
    if (length > MAX_ANSWER_BYTES) {
      await reader.cancel();
      throw tooLong;
    }
    chunks.push(read.value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

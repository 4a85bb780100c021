/**
 * The largest request body this server accepts, the API's own limit (RequestLimits.MaxBodyBytes):
 * auth bodies are a few hundred bytes, and nothing larger may be buffered here on its way.
 */
export const MAX_BODY_BYTES = 16 * 1024;

const problem = (status: number, title: string, detail: string) =>
  Response.json({ type: 'about:blank', title, status, detail }, { status, headers: { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store' } });

export const tooLarge = () => problem(413, 'Request body too large', `Request bodies are limited to ${MAX_BODY_BYTES / 1024} KiB.`);

/** A declared length over the limit, refused before a byte of the body is read (413). Null: go on. */
export function refuseDeclaredLength(headers: Headers): Response | null {
  const length = headers.get('content-length');
  return length !== null && !(/^\d+$/.test(length.trim()) && Number(length) <= MAX_BODY_BYTES) ? tooLarge() : null;
}

/**
 * For requests whose body Next buffers before we see it (everything proxy.ts handles): a declared
 * length over the limit (413), or a body without one (411: browsers always send a length for a
 * form or fetch body, and one of unknown length could only be judged by buffering it). Null: go on.
 */
export function refuseBeforeBuffering(headers: Headers): Response | null {
  if (!headers.has('content-length') && headers.has('transfer-encoding')) {
    return problem(411, 'Length required', 'Send the request body with a Content-Length header.');
  }
  return refuseDeclaredLength(headers);
}

/**
 * Reads a body of up to MAX_BODY_BYTES, whatever its headers say, and stops reading (and
 * answers 'too-large') at the first byte past it: memory per request stays bounded.
 */
export async function readCapped(body: ReadableStream<Uint8Array> | null): Promise<Uint8Array<ArrayBuffer> | 'too-large'> {
  if (!body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      return 'too-large';
    }
    chunks.push(value);
  }
  const joined = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return joined;
}

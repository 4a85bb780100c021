import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES, readCapped, refuseBeforeBuffering, refuseDeclaredLength } from './body-limit';

describe('refusing by the headers', () => {
  it('lets a declared length up to 16 KiB through, and answers 413 problem+json above it', async () => {
    expect(refuseDeclaredLength(new Headers({ 'content-length': String(MAX_BODY_BYTES) }))).toBeNull();
    const refused = refuseDeclaredLength(new Headers({ 'content-length': String(MAX_BODY_BYTES + 1) }));
    expect(refused?.status).toBe(413);
    expect(refused?.headers.get('content-type')).toBe('application/problem+json');
    expect(await refused?.json()).toMatchObject({ status: 413, title: 'Request body too large', detail: 'Request bodies are limited to 16 KiB.' });
  });

  it('asks for a length (411) where the body would be buffered first, and lets bodiless requests through', () => {
    expect(refuseBeforeBuffering(new Headers({ 'transfer-encoding': 'chunked' }))?.status).toBe(411);
    expect(refuseBeforeBuffering(new Headers({ 'content-length': String(10 * 1024 * 1024) }))?.status).toBe(413);
    expect(refuseBeforeBuffering(new Headers())).toBeNull();
    expect(refuseDeclaredLength(new Headers({ 'transfer-encoding': 'chunked' }))).toBeNull();
  });
});

describe('reading with a cap', () => {
  const source = (sizes: number[]) => {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const size = sizes[pulled++];
        if (size === undefined) controller.close();
        else controller.enqueue(new Uint8Array(size));
      },
    });
    return { stream, pulled: () => pulled };
  };

  it('reads a body of exactly 16 KiB whole', async () => {
    const body = await readCapped(source([MAX_BODY_BYTES / 2, MAX_BODY_BYTES / 2]).stream);
    expect(body).toBeInstanceOf(Uint8Array);
    expect((body as Uint8Array).byteLength).toBe(MAX_BODY_BYTES);
  });

  it('stops at the first chunk past 16 KiB instead of reading on', async () => {
    const { stream, pulled } = source(Array.from({ length: 1000 }, () => 1024));
    expect(await readCapped(stream)).toBe('too-large');
    expect(pulled()).toBeLessThan(20);
  });
});

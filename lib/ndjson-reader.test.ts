import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ndjsonLines } from './ndjson-reader.ts';

/** A body that arrives in these chunks. */
function body(chunks: (string | Uint8Array)[]): { stream: ReadableStream<Uint8Array>; cancelled: () => boolean } {
  let i = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (i === chunks.length) return c.close();
      const chunk = chunks[i++]!;
      c.enqueue(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk);
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, cancelled: () => cancelled };
}

const all = async (stream: ReadableStream<Uint8Array>): Promise<string[]> => {
  const out: string[] = [];
  for await (const l of ndjsonLines(stream)) out.push(l);
  return out;
};

describe('NDJSON lines', () => {
  it('gives each line once whole, however the chunks cut it, and skips blank ones', async () => {
    const euro = new TextEncoder().encode('{"a":"€"}\n');
    assert.deepEqual(
      await all(body(['{"n":1}\n{"n"', ':2}\n\n', euro.subarray(0, 7), euro.subarray(7), '{"n":3}\n']).stream),
      ['{"n":1}', '{"n":2}', '{"a":"€"}', '{"n":3}'],
    );
  });

  it('says when the body ends in the middle of a line', async () => {
    await assert.rejects(all(body(['{"n":1}\n{"n":']).stream), /ended in the middle of a line: "\{\\"n\\":"/);
  });

  it('cancels the body when the reader stops early', async () => {
    const b = body(['{"n":1}\n', '{"n":2}\n', '{"n":3}\n']);
    for await (const l of ndjsonLines(b.stream)) if (l === '{"n":1}') break;
    assert.equal(b.cancelled(), true);
  });
});

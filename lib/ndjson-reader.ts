/**
 * The lines of an NDJSON response body as they arrive (a fan-out's nodes, a
 * dump's entries, a batch's answers): each complete line, without its
 * newline; blank lines are skipped. A body that ends in the middle of a line
 * was cut short, and says so, rather than lose or half-parse its last line.
 * Leaving the loop early cancels the body.
 */
export async function* ndjsonLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string, void, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let from = 0;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n', from)) {
        const line = buf.slice(from, nl);
        from = nl + 1;
        if (line.trim() !== '') yield line;
      }
      buf = buf.slice(from);
    }
    buf += decoder.decode();
    if (buf.trim() !== '')
      throw new Error(`the answer ended in the middle of a line: ${JSON.stringify(buf.slice(0, 200))}`);
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

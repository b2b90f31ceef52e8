/**
 * Cuts an NDJSON body into lines as its chunks arrive, holding at most one
 * line: a million-line body never sits in memory. Lines are split on the byte
 * 0x0a, which no multi-byte UTF-8 character contains, so a character cut
 * between two chunks is whole again in its line. Blank lines are no items.
 */

/** A line longer than the limit: it is skipped up to its newline and answered by this. */
export class LineTooLong {
  constructor(readonly bytes: number) {}
}

export class LineSplitter {
  /** the start of the line being read, from earlier chunks */
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** bytes of an over-long line seen so far; -1 when not in one */
  private skipped = -1;

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: (line: string | LineTooLong) => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      this.take(chunk.subarray(start, nl), true);
      start = nl + 1;
    }
    if (start < chunk.length) this.take(chunk.subarray(start), false);
  }

  /** The body is over: its last line may have no newline. */
  end(): void {
    if (this.partBytes > 0 || this.skipped >= 0) this.take(Buffer.alloc(0), true);
  }

  private take(piece: Buffer, complete: boolean): void {
    if (this.skipped >= 0) {
      this.skipped += piece.length;
      if (complete) {
        const bytes = this.skipped;
        this.skipped = -1;
        this.onLine(new LineTooLong(bytes));
      }
      return;
    }
    if (this.partBytes + piece.length > this.maxLineBytes) {
      this.skipped = this.partBytes + piece.length;
      this.parts = [];
      this.partBytes = 0;
      if (complete) this.take(Buffer.alloc(0), true);
      return;
    }
    if (!complete) {
      // a chunk's buffer may be reused by the stream: keep a copy
      this.parts.push(Buffer.from(piece));
      this.partBytes += piece.length;
      return;
    }
    let line: string;
    if (this.parts.length === 0) line = piece.toString('utf8');
    else {
      this.parts.push(piece);
      line = Buffer.concat(this.parts, this.partBytes + piece.length).toString('utf8');
      this.parts = [];
      this.partBytes = 0;
    }
    if (!isBlank(line)) this.onLine(line);
  }
}

/** Whitespace only (a `\r` before the newline included). */
function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

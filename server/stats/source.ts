/**
 * The server's one connection to VPP's stats segment, shared by the Stats
 * RPCs and the Prometheus exporter. It connects on first use, and again on the
 * next use after a failure; every failure to reach the segment is a
 * StatsUnavailableError naming the socket and why, so callers answer
 * UNAVAILABLE while the rest of the server keeps working.
 */
import { StatsError } from '../../vpp/stats/errors.ts';
import type { StatEntry, StatsReader } from '../../vpp/stats/types.ts';

/** Makes a reader of the segment behind a stats socket (not yet connected). */
export type StatsReaderFactory = (socketPath: string) => StatsReader;

export class StatsUnavailableError extends Error {
  override name = 'StatsUnavailableError';
}

export class StatsPatternError extends Error {
  override name = 'StatsPatternError';
}

const MAX_PATTERNS = 100;
const MAX_PATTERN_LENGTH = 1000;

/** Patterns are regular expressions: a bad one is the caller's mistake, said before VPP is asked. */
export function checkPatterns(patterns: readonly string[]): void {
  if (patterns.length > MAX_PATTERNS) throw new StatsPatternError(`patterns: at most ${MAX_PATTERNS}`);
  patterns.forEach((p, i) => {
    if (p.length > MAX_PATTERN_LENGTH)
      throw new StatsPatternError(`patterns[${i}]: longer than ${MAX_PATTERN_LENGTH} characters`);
    try {
      new RegExp(p);
    } catch (e) {
      throw new StatsPatternError(`patterns[${i}]: not a regular expression: ${(e as Error).message}`);
    }
  });
}

export class StatsSource {
  private reader: StatsReader | undefined;
  private connecting: Promise<StatsReader> | undefined;
  private closed = false;

  constructor(
    readonly socketPath: string,
    private readonly create: StatsReaderFactory,
  ) {}

  private unavailable(why: unknown): Error {
    // the reader's own verdicts other than UNAVAILABLE (a segment of another layout) stand
    if (why instanceof StatsError && why.code !== 'UNAVAILABLE') return why;
    const text = why instanceof Error ? why.message : String(why);
    return new StatsUnavailableError(`VPP's stats segment at ${this.socketPath} is unavailable: ${text}`);
  }

  private connected(): Promise<StatsReader> {
    if (this.closed) return Promise.reject(this.unavailable('the server is shutting down'));
    if (this.reader) return Promise.resolve(this.reader);
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<StatsReader> {
    let reader: StatsReader;
    try {
      reader = this.create(this.socketPath);
      await reader.connect();
    } catch (e) {
      throw this.unavailable(e);
    }
    if (this.closed) {
      reader.close();
      throw this.unavailable('the server is shutting down');
    }
    this.reader = reader;
    return reader;
  }

  /** A failed read drops the reader: the next use connects anew (VPP may have restarted). */
  private async use<T>(read: (r: StatsReader) => Promise<T>): Promise<T> {
    const reader = await this.connected();
    try {
      return await read(reader);
    } catch (e) {
      if (this.reader === reader) {
        this.reader = undefined;
        reader.close();
      }
      throw this.unavailable(e);
    }
  }

  /** The entries matching any pattern (none: all), and the epoch they were read in. */
  dump(patterns: readonly string[] = []): Promise<{ entries: StatEntry[]; epoch: number }> {
    checkPatterns(patterns);
    return this.use(async (r) => {
      const entries = await r.dump(patterns.length ? [...patterns] : undefined);
      return { entries, epoch: r.epoch };
    });
  }

  close(): void {
    this.closed = true;
    this.reader?.close();
    this.reader = undefined;
  }
}

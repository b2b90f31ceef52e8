/**
 * Bearer tokens from a file: one token per line, `#` starts a comment. Only
 * SHA-256 digests are kept, and a presented token is compared with every one
 * of them in constant time. The file is re-read when it changes: its stat is
 * polled and compared with the stat of the version read last, so an editor's
 * rename or a Kubernetes secret update counts too.
 * Tokens never reach a log line or an error message.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, statSync, type BigIntStats } from 'node:fs';
import type { Logger } from './log.ts';

/** RFC 6750's b64token: what a client can put after `Bearer `. */
const TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const BEARER = /^Bearer +(\S+) *$/i;

/** The tokens of a token file's text; throws naming the line (never its content) when one is not a token. */
export function parseTokens(text: string): string[] {
  const tokens: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    if (!TOKEN.test(line))
      throw new Error(`line ${i + 1} is not a bearer token (one word of letters, digits and -._~+/, then = padding)`);
    tokens.push(line);
  });
  return tokens;
}

/** The token of an `Authorization: Bearer <token>` value; undefined for anything else. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  return BEARER.exec(header)?.[1];
}

const digest = (token: string): Buffer => createHash('sha256').update(token).digest();

export interface TokenCheck {
  /** a stable name for the token (a digest prefix, not the secret), undefined when it is not one of the file's */
  identify(token: string): string | undefined;
}

/** How long an empty token file must stay empty before it revokes every token. */
const EMPTY_CONFIRM_MS = 250;

/**
 * A file whose timestamps are this close to the moment it was read may have
 * changed again since with a stat that shows nothing (same size, timestamps
 * within the same clock tick, or the same 2 s on some file systems): it is
 * read again at each poll until a read comes later than that.
 */
const RACY_MS = 2000;

/** One read of the file: what stat said of the version read, and whether that can be trusted to show the next change. */
interface Version {
  stat: BigIntStats;
  racy: boolean;
}

const sameFile = (a: BigIntStats, b: BigIntStats): boolean =>
  a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;

/** The file's text and the stat of the very version read (both through one open file). */
function readVersion(file: string): { text: string; version: Version } {
  const startedMs = Date.now();
  const fd = openSync(file, 'r');
  try {
    const stat = fstatSync(fd, { bigint: true });
    const text = readFileSync(fd, 'utf8');
    const changedMs = Number((stat.mtimeNs > stat.ctimeNs ? stat.mtimeNs : stat.ctimeNs) / 1_000_000n);
    return { text, version: { stat, racy: changedMs > startedMs - RACY_MS } };
  } finally {
    closeSync(fd);
  }
}

export class TokenFile implements TokenCheck {
  private digests: Buffer[] = [];
  private ids: string[] = [];
  /** the digest of the text whose tokens are in use */
  private applied: Buffer;
  /** the version of the file read last, whatever it held */
  private seen: Version;
  /** why the file could not be read, said once until it can be again */
  private failure: string | undefined;
  private emptyCheck: NodeJS.Timeout | undefined;
  private readonly poller: NodeJS.Timeout;

  /**
   * Reads the file now (throws if it cannot, or holds no token) and looks at it
   * every `pollMs`: each look compares the file with the version read last, so
   * a change made at any moment after a read, even the first, is seen.
   */
  constructor(
    readonly file: string,
    private readonly log: Logger,
    pollMs = 1000,
  ) {
    const { text, version } = readVersion(file);
    const count = this.apply(parseTokens(text).map(digest));
    if (count === 0) throw new Error(`${file} holds no token`);
    this.applied = digest(text);
    this.seen = version;
    log.info({ file, tokens: count }, 'bearer tokens loaded');
    this.poller = setInterval(() => this.poll(), pollMs).unref();
  }

  identify(token: string): string | undefined {
    const d = digest(token);
    let found = -1;
    // no early exit: the time taken does not depend on which token matched, or how much of it
    for (let i = 0; i < this.digests.length; i++) if (timingSafeEqual(d, this.digests[i]!)) found = i;
    return found < 0 ? undefined : this.ids[found];
  }

  get size(): number {
    return this.digests.length;
  }

  close(): void {
    this.cancelEmptyCheck();
    clearInterval(this.poller);
  }

  private cancelEmptyCheck(): void {
    clearTimeout(this.emptyCheck);
    this.emptyCheck = undefined;
  }

  private apply(digests: Buffer[]): number {
    this.digests = digests;
    this.ids = digests.map((d) => d.toString('hex').slice(0, 12));
    return digests.length;
  }

  private poll(): void {
    let stat: BigIntStats;
    try {
      stat = statSync(this.file, { bigint: true });
    } catch (e) {
      return this.unreadable(e as Error);
    }
    if (!this.seen.racy && sameFile(stat, this.seen.stat)) return;
    this.reload(false);
  }

  /** a file missing or caught in the middle of its replacement: keep what worked until it can be read again */
  private unreadable(err: Error): void {
    if (this.failure === err.message) return;
    this.failure = err.message;
    this.log.warn(
      { file: this.file, tokens: this.digests.length, err: err.message },
      'cannot read the token file: keeping the tokens loaded before',
    );
  }

  private reload(confirmingEmpty: boolean): void {
    let text: string;
    let digests: Buffer[];
    try {
      const read = readVersion(this.file);
      text = read.text;
      this.seen = read.version;
      digests = parseTokens(text).map(digest);
    } catch (e) {
      return this.unreadable(e as Error);
    }
    this.failure = undefined;
    const textDigest = digest(text);
    // a file rewritten with the same text (or put back as it was while an empty one waited) changes nothing
    if (textDigest.equals(this.applied)) return this.cancelEmptyCheck();
    if (digests.length === 0 && !confirmingEmpty) {
      // a file being rewritten in place is empty for a moment: revoke only if it stays empty
      if (this.emptyCheck === undefined) {
        this.log.debug({ file: this.file }, 'the token file is empty: its tokens go if it stays empty');
        this.emptyCheck = setTimeout(() => {
          this.emptyCheck = undefined;
          this.reload(true);
        }, EMPTY_CONFIRM_MS).unref();
      }
      return;
    }
    this.cancelEmptyCheck();
    this.applied = textDigest;
    const count = this.apply(digests);
    // an empty file is how every token is revoked at once
    (count === 0 ? this.log.warn : this.log.info).call(
      this.log,
      { file: this.file, tokens: count },
      'bearer tokens reloaded',
    );
  }
}

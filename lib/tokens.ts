/**
 * Bearer tokens from a file: one token per line, `#` starts a comment. Only
 * SHA-256 digests are kept, and a presented token is compared with every one
 * of them in constant time. The file is re-read when it changes: its stat is
 * polled, so an editor's rename or a Kubernetes secret update counts too.
 * Tokens never reach a log line or an error message.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile, type Stats } from 'node:fs';
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

export class TokenFile implements TokenCheck {
  private digests: Buffer[] = [];
  private ids: string[] = [];
  private emptyCheck: NodeJS.Timeout | undefined;

  /** Reads the file now (throws if it cannot, or holds no token) and follows its changes every `pollMs`. */
  constructor(
    readonly file: string,
    private readonly log: Logger,
    pollMs = 1000,
  ) {
    const count = this.load();
    if (count === 0) throw new Error(`${file} holds no token`);
    log.info({ file, tokens: count }, 'bearer tokens loaded');
    watchFile(file, { interval: pollMs, persistent: false }, (cur, prev) => this.changed(cur, prev));
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
    clearTimeout(this.emptyCheck);
    unwatchFile(this.file);
  }

  private load(): number {
    return this.apply(this.read());
  }

  private read(): Buffer[] {
    return parseTokens(readFileSync(this.file, 'utf8')).map(digest);
  }

  private apply(digests: Buffer[]): number {
    this.digests = digests;
    this.ids = digests.map((d) => d.toString('hex').slice(0, 12));
    return digests.length;
  }

  private changed(cur: Stats, prev: Stats): void {
    if (cur.mtimeMs === prev.mtimeMs && cur.size === prev.size && cur.ino === prev.ino) return;
    this.reload(false);
  }

  private reload(confirmingEmpty: boolean): void {
    let digests: Buffer[];
    try {
      digests = this.read();
    } catch (e) {
      // a file caught in the middle of its replacement: keep what worked until the next change
      this.log.warn(
        { file: this.file, tokens: this.digests.length, err: (e as Error).message },
        'cannot read the token file: keeping the tokens loaded before',
      );
      return;
    }
    clearTimeout(this.emptyCheck);
    if (digests.length === 0 && !confirmingEmpty) {
      // a file being rewritten in place is empty for a moment: revoke only if it stays empty
      this.emptyCheck = setTimeout(() => this.reload(true), EMPTY_CONFIRM_MS);
      this.emptyCheck.unref();
      return;
    }
    const count = this.apply(digests);
    // an empty file is how every token is revoked at once
    (count === 0 ? this.log.warn : this.log.info).call(
      this.log,
      { file: this.file, tokens: count },
      'bearer tokens reloaded',
    );
  }
}

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pino, type Logger } from 'pino';
import { waitFor } from '../test/support/wait.ts';
import { bearerToken, parseTokens, TokenFile } from './tokens.ts';

const quiet = pino({ level: 'silent' });

/** A logger that keeps the messages it is given, and calls `onLine` with each as it is logged. */
class LogLines {
  readonly messages: string[] = [];
  readonly logger: Logger;
  constructor(onLine: (msg: string) => void = () => {}) {
    this.logger = pino(
      { level: 'debug' },
      {
        write: (line: string) => {
          const { msg } = JSON.parse(line) as { msg: string };
          this.messages.push(msg);
          onLine(msg);
        },
      },
    );
  }
  count(prefix: string): number {
    return this.messages.filter((m) => m.startsWith(prefix)).length;
  }
}
const dir = mkdtempSync(join(tmpdir(), 'vpp-rpc-tokens-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('bearer tokens', () => {
  it('reads one token per line; # comments and blank lines are skipped', () => {
    assert.deepEqual(parseTokens('# ops\nalpha-1\n\n  beta/2+==  # ci\n#gamma\n'), ['alpha-1', 'beta/2+==']);
  });

  it('names the line of a bad token, never its text', () => {
    assert.throws(
      () => parseTokens('good\nsecret with-space\n'),
      (e: Error) => /^line 2 is not a bearer token/.test(e.message) && !e.message.includes('secret'),
    );
  });

  it('takes the token of "Bearer <token>" only', () => {
    assert.equal(bearerToken('Bearer abc.DEF-1'), 'abc.DEF-1');
    assert.equal(bearerToken('bearer  abc'), 'abc');
    assert.equal(bearerToken('Basic abc'), undefined);
    assert.equal(bearerToken('Bearer'), undefined);
    assert.equal(bearerToken('Bearer a b'), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });

  it('identifies a token of the file by a name that is not the token', () => {
    const file = join(dir, 'ids');
    writeFileSync(file, 'alpha-token\nbeta-token\n');
    const tokens = new TokenFile(file, quiet);
    try {
      const a = tokens.identify('alpha-token');
      assert.ok(a && !a.includes('alpha'));
      assert.notEqual(tokens.identify('beta-token'), a);
      assert.equal(tokens.identify('alpha-toke'), undefined);
      assert.equal(tokens.identify('alpha-token2'), undefined);
      assert.equal(tokens.identify(''), undefined);
    } finally {
      tokens.close();
    }
  });

  it('refuses to start without a token', () => {
    const file = join(dir, 'empty');
    writeFileSync(file, '# nobody yet\n');
    assert.throws(() => new TokenFile(file, quiet), /holds no token/);
    assert.throws(() => new TokenFile(join(dir, 'missing'), quiet), /ENOENT/);
  });

  it('follows the file: new tokens in, removed ones out; a bad file keeps the last good tokens', async () => {
    const file = join(dir, 'follow');
    writeFileSync(file, 'first\n');
    const log = new LogLines();
    const tokens = new TokenFile(file, log.logger, 10);
    const known = (token: string) => (): boolean => tokens.identify(token) !== undefined;
    let emptied = false;
    const watch = setInterval(() => (emptied ||= tokens.size === 0), 5);
    try {
      writeFileSync(file, 'second\n');
      await waitFor('second', known('second'));
      assert.equal(tokens.identify('first'), undefined);
      writeFileSync(file, 'not a token line\n');
      writeFileSync(file, 'third\n');
      await waitFor('third', known('third'));
      const refusals = log.count('cannot read the token file');
      writeFileSync(file, 'bad line here\n');
      await waitFor('the bad file seen', () => log.count('cannot read the token file') > refusals);
      assert.ok(tokens.identify('third') !== undefined, 'kept');
      // rewritten in place: empty for a moment, which must not revoke anything
      writeFileSync(file, 'fourth\n');
      await waitFor('fourth', known('fourth'));
      writeFileSync(file, '');
      await waitFor('the empty file seen', () => log.count('the token file is empty') === 1);
      writeFileSync(file, 'fifth\n');
      await waitFor('fifth', known('fifth'));
      assert.equal(emptied, false, 'a brief empty file revoked the tokens');
      writeFileSync(file, '');
      await waitFor('every token revoked', () => tokens.size === 0);
    } finally {
      clearInterval(watch);
      tokens.close();
    }
  });

  it('sees a change made between the first read and the first look at the file', async () => {
    const file = join(dir, 'window');
    writeFileSync(file, 'before\n');
    // the log line of the first read comes before the file is looked at again: change the file right then
    const log = new LogLines((msg) => msg === 'bearer tokens loaded' && writeFileSync(file, 'revoked-before\nafter\n'));
    const tokens = new TokenFile(file, log.logger, 10);
    try {
      await waitFor('the change seen', () => tokens.identify('after') !== undefined);
      assert.equal(tokens.identify('before'), undefined);
    } finally {
      tokens.close();
    }
  });

  it('sees a change that keeps the size and the modification time', async () => {
    const file = join(dir, 'same-stat');
    // a whole second an hour ago: utimes sets it exactly
    const mtime = Math.floor(Date.now() / 1000) - 3600;
    writeFileSync(file, 'alpha-1\n');
    utimesSync(file, mtime, mtime);
    const log = new LogLines((msg) => {
      if (msg !== 'bearer tokens loaded') return;
      writeFileSync(file, 'alpha-2\n');
      utimesSync(file, mtime, mtime);
    });
    const tokens = new TokenFile(file, log.logger, 10);
    try {
      assert.equal(statSync(file, { bigint: true }).mtimeNs, BigInt(mtime) * 1_000_000_000n);
      await waitFor('the change seen', () => tokens.identify('alpha-2') !== undefined);
      assert.equal(tokens.identify('alpha-1'), undefined);
    } finally {
      tokens.close();
    }
  });
});

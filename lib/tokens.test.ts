import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { bearerToken, parseTokens, TokenFile } from './tokens.ts';

const quiet = pino({ level: 'silent' });
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
    const tokens = new TokenFile(file, quiet, 10);
    const until = async (check: () => boolean): Promise<void> => {
      for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(check());
    };
    try {
      writeFileSync(file, 'second\n');
      await until(() => tokens.identify('second') !== undefined);
      assert.equal(tokens.identify('first'), undefined);
      writeFileSync(file, 'not a token line\n');
      writeFileSync(file, 'third\n');
      await until(() => tokens.identify('third') !== undefined);
      writeFileSync(file, 'bad line here\n');
      await new Promise((r) => setTimeout(r, 100));
      assert.ok(tokens.identify('third') !== undefined, 'kept');
      // rewritten in place: empty for a moment, which must not revoke anything
      writeFileSync(file, 'fourth\n');
      await until(() => tokens.identify('fourth') !== undefined);
      let emptied = false;
      const watch = setInterval(() => (emptied ||= tokens.size === 0), 5);
      writeFileSync(file, '');
      await new Promise((r) => setTimeout(r, 60));
      writeFileSync(file, 'fifth\n');
      await until(() => tokens.identify('fifth') !== undefined);
      clearInterval(watch);
      assert.equal(emptied, false, 'a brief empty file revoked the tokens');
      writeFileSync(file, '');
      await until(() => tokens.size === 0);
    } finally {
      tokens.close();
    }
  });
});

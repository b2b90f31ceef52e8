/**
 * A POST with no body is `{}` whatever its content type says, as grpc-gateway
 * treats it (`hey -m POST URL` sends `Content-Type: text/html` and nothing);
 * a body that is there and not JSON stays 415. Over real HTTP.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { curl, post } from './support/http.ts';
import { startStack, type Stack } from './support/stack.ts';

/** A POST with exactly these headers and no body at all (no Content-Length either when asked). */
function bare(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('REST: empty bodies of any content type', () => {
  let stack: Stack;
  let url: string;
  before(async () => {
    stack = await startStack();
    url = `${stack.rest}/Vpe/ShowVersion/request`;
  });
  after(() => stack?.stop());

  for (const type of ['text/html', 'text/plain', 'application/octet-stream', 'application/xml', 'multipart/form-data'])
    it(`takes an empty ${type} body as {}`, async () => {
      const r = await post(url, '', { 'content-type': type });
      assert.equal(r.status, 200, r.text);
      assert.equal((r.json as { program: string }).program, 'vpe');
    });

  it('takes a body-less POST with a content type and no Content-Length as {}', async () => {
    const r = await bare(url, { 'content-type': 'text/html' });
    assert.equal(r.status, 200, r.body);
    assert.equal((JSON.parse(r.body) as { program: string }).program, 'vpe');
  });

  it('answers curl -X POST -H "Content-Type: text/html" with no data', async () => {
    const out = await curl(['-X', 'POST', '-H', 'Content-Type: text/html', '-w', '\n%{http_code}', url]);
    assert.match(out, /"program":"vpe"[\s\S]*\n200$/);
  });

  it('still refuses a non-empty body that is not JSON with 415', async () => {
    for (const [type, body] of [
      ['text/html', '<p>hello</p>'],
      ['application/xml', '<a/>'],
      ['application/octet-stream', '\u0001\u0002'],
    ]) {
      const r = await post(url, body, { 'content-type': type! });
      assert.equal(r.status, 415, `${type}: ${r.text}`);
      assert.match((r.json as { message: string }).message, /content type .* is not supported/);
    }
  });
});

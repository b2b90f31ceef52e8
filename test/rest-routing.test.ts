/**
 * The gateway's API routes, found by path through one map behind a few
 * parametric routes (gateway/api-routes.ts), against the real processes: a
 * path no RPC has is unknown whatever its shape (404, and no protection runs
 * for it), a known one with another method is 405, each RPC keeps its own
 * protections, and metrics label requests by RPC, the unknown ones as one.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { post, request } from './support/http.ts';
import { scrape } from './support/observe.ts';
import { writeTokens } from './support/secure.ts';
import { startStack, type Stack } from './support/stack.ts';

const TOKEN = 'routing-test-token';
const auth = { authorization: `Bearer ${TOKEN}` };

describe('API routes found by path', () => {
  let stack: Stack;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vpp-rpc-routing-'));
    const tokens = join(dir, 'tokens');
    writeTokens(tokens, [TOKEN]);
    stack = await startStack({ gatewayArgs: ['--auth-tokens', tokens, '--deny', 'Ip/*'] });
  });
  after(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 404 for a path no RPC has, before any token is asked for', async () => {
    for (const path of [
      '/Vpe/NoSuchCall/request',
      '/NoSuchService/ShowVersion/request',
      '/vpe/showversion/request',
      '/Vpe/ShowVersion/request/',
      `/Vpe/${'A'.repeat(150)}/request`,
      `/${'A'.repeat(150)}/ShowVersion/request`,
      '/Vpe/Show%2FVersion/request',
      '/Interface/WantInterfaceEvents/batch', // streams have no batch route
      '/Vpe/NoSuchCall/batch',
    ]) {
      const r = await post(`${stack.rest}${path}`, {});
      assert.equal(r.status, 404, `${path}: ${r.text}`);
      assert.equal((r.json as { code: number }).code, 5, path);
      assert.match((r.json as { message: string }).message, /^no route POST /, path);
    }
  });

  it('answers 405 with Allow for a known path with another method', async () => {
    for (const path of ['/Vpe/ShowVersion/request', '/Vpe/ShowVersion/batch']) {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const r = await request(`${stack.rest}${path}`, { method, headers: auth });
        assert.equal(r.status, 405, `${method} ${path}`);
        assert.equal(r.headers.get('allow'), 'POST');
      }
    }
  });

  it("runs each RPC's own protections: the token, then the policy", async () => {
    assert.equal((await post(`${stack.rest}/Vpe/ShowVersion/request`, {})).status, 401);
    const ok = await post(`${stack.rest}/Vpe/ShowVersion/request`, {}, auth);
    assert.equal(ok.status, 200, ok.text);
    assert.equal((ok.json as { program: string }).program, 'vpe');
    const refused = await post(`${stack.rest}/Ip/IpTableAddDel/request`, {}, auth);
    assert.equal(refused.status, 403, refused.text);
    // the same on batch routes, each item the unary route's body
    assert.equal(
      (await post(`${stack.rest}/Vpe/ShowVersion/batch`, '{}\n', { 'content-type': 'application/x-ndjson' })).status,
      401,
    );
    const batch = await post(`${stack.rest}/Vpe/ShowVersion/batch`, '{}\n{}\n', {
      ...auth,
      'content-type': 'application/x-ndjson',
    });
    assert.equal(batch.status, 200, batch.text);
    const lines = batch.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { program?: string });
    assert.deepEqual(
      lines.map((l) => l.program),
      ['vpe', 'vpe'],
    );
    const refusedBatch = await post(`${stack.rest}/Ip/IpTableAddDel/batch`, '{}\n', {
      ...auth,
      'content-type': 'application/x-ndjson',
    });
    assert.equal(refusedBatch.status, 403, refusedBatch.text);
  });

  it('labels requests by their RPC, and every unknown path as one label', async () => {
    const labels = [...(await scrape(stack.gatewayMetricsPort)).keys()]
      .filter((k) => k.startsWith('vpp_rpc_http_requests_total{'))
      .map((k) => /route="([^"]*)",status="(\d+)"/.exec(k)!.slice(1).join(' '));
    assert.ok(labels.includes('/Vpe/ShowVersion/request 200'), labels.join(', '));
    assert.ok(labels.includes('/Vpe/ShowVersion/request 401'), labels.join(', '));
    assert.ok(labels.includes('/Ip/IpTableAddDel/request 403'), labels.join(', '));
    assert.ok(labels.includes('unmatched 404'), labels.join(', '));
    assert.ok(!labels.some((l) => l.includes('NoSuch') || l.includes(':service')), labels.join(', '));
  });
});

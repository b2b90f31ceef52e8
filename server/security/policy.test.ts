import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isRead } from '../../lib/policy.ts';
import { PROJECT_ROOT } from '../../lib/project.ts';
import { loadProtoDir } from '../../vpp/api/load-proto.ts';
import { refusedRpcs, rpcName } from './policy.ts';
import { buildRpcTable } from '../rpcs.ts';

const { model, root } = loadProtoDir(join(PROJECT_ROOT, 'proto'));
const rpcs = buildRpcTable(root, model);
const names = rpcs.map(rpcName);
const byMethod = (m: string) => rpcs.find((r) => r.method === m)!;

/** The unary and event RPCs SECURITY.md lists as served in read-only mode, as `Service/Rpc`. */
function documentedReads(): string[] {
  const text = readFileSync(join(PROJECT_ROOT, 'SECURITY.md'), 'utf8');
  const block = /<!-- read-only:begin -->([\s\S]*?)<!-- read-only:end -->/.exec(text)?.[1] ?? '';
  return block
    .split('\n')
    .flatMap((line) => {
      const m = /^- \*\*(\w+)\*\*: (.*)$/.exec(line);
      return m ? [...m[2]!.matchAll(/`(\w+)( \(events\))?`/g)].map((x) => `${m[1]}/${x[1]}`) : [];
    })
    .sort();
}

describe('server policy over the real API', () => {
  it('read-only serves what SECURITY.md lists, besides every dump', () => {
    const served = names.filter((n) => isRead(n.request, n.kind));
    const listed = served
      .filter((n) => n.kind === 'unary' || n.kind === 'events')
      .map((n) => `${n.service}/${n.method}`);
    assert.deepEqual(documentedReads(), listed.sort());
    assert.equal(served.filter((n) => n.kind === 'dump' || n.kind === 'cursor').length, 227);
  });

  it('read-only refuses cli_inband, cli and the usual writes, by gRPC path', () => {
    const refused = refusedRpcs({ readOnly: true, allow: [], deny: [] }, rpcs);
    for (const m of ['CliInband', 'Cli', 'CreateLoopback', 'SwInterfaceSetFlags', 'IpRouteAddDel', 'AclAddReplace'])
      assert.equal(refused.get(byMethod(m).path)?.rule, 'read-only', m);
    for (const m of ['ShowVersion', 'SwInterfaceDump', 'WantInterfaceEvents', 'ControlPing'])
      assert.equal(refused.has(byMethod(m).path), false, m);
  });

  it("the documented deny list for secrets compiles and covers the keys' dumps", () => {
    const refused = refusedRpcs(
      { readOnly: true, allow: [], deny: ['IpsecSa*Dump', 'Ikev2*Dump', 'WireguardInterfaceDump'] },
      rpcs,
    );
    for (const m of ['IpsecSaV5Dump', 'Ikev2SaV3Dump', 'Ikev2ProfileDump', 'WireguardInterfaceDump'])
      assert.equal(refused.get(byMethod(m).path)?.rule, 'deny', m);
    assert.equal(refused.has(byMethod('IpsecSpdDump').path), false);
  });
});

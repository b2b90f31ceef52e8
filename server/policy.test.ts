import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PROJECT_ROOT } from '../lib/project.ts';
import { loadProtoDir } from '../vpp/api/load-proto.ts';
import { refusedRpcs } from './policy.ts';
import { buildRpcTable } from './rpcs.ts';

const { model, root } = loadProtoDir(join(PROJECT_ROOT, 'proto'));
const rpcs = buildRpcTable(root, model);
const byMethod = (m: string) => rpcs.find((r) => r.method === m)!;

describe('server policy over the real API', () => {
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

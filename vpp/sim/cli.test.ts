import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from './cli.ts';
import { DEFAULT_SYSTEM, SimState } from './state/index.ts';
import { parsePrefix } from './state/prefix.ts';

function world(): SimState {
  const s = new SimState({ ...DEFAULT_SYSTEM, vpePid: 42, startedAt: 0 }, 1);
  s.interfaces.setAdminUp(1, true);
  s.ip.addAddress(1, parsePrefix('10.10.1.1/24'));
  return s;
}

describe('cli_inband commands', () => {
  it('show version: one line, as VPP prints it', () => {
    const { retval, output } = runCli('show version', world());
    assert.equal(retval, 0);
    assert.equal(output, 'vpp v26.06-release built by vpp-rpc on simulator at 2026-06-24T10:00:00\n');
  });

  it("show interface: VPP's table, sorted by name, with state and MTUs", () => {
    const s = world();
    s.interfaces.createLoopback(undefined);
    const { output } = runCli('show interface', s);
    assert.equal(
      output,
      [
        '              Name               Idx    State  MTU (L3/IP4/IP6/MPLS)     Counter          Count     ',
        'local0                            0     down          0/0/0/0       ',
        'loop0                             1      up          9000/0/0/0     ',
        'loop1                             2     down         9000/0/0/0     ',
        '',
      ].join('\n'),
    );
  });

  it('take unique prefixes of words, and interface names', () => {
    const s = world();
    assert.equal(runCli('sh int', s).output, runCli('show interface', s).output);
    assert.equal(runCli('sh ver', s).output, runCli('show version', s).output);
    assert.equal(runCli('show interface loop0', s).output.split('\n').length, 3);
  });

  it('show interface address: each interface and its addresses', () => {
    assert.equal(runCli('show int addr', world()).output, 'local0 (dn):\nloop0 (up):\n  L3 10.10.1.1/24\n');
  });

  it('show ip fib: every entry with its load-balance and paths', () => {
    const { retval, output } = runCli('show ip fib', world());
    assert.equal(retval, 0);
    const lines = output.split('\n');
    assert.match(
      lines[0]!,
      /^ipv4-VRF:0, fib_index:0, flow hash:\[.*\] epoch:0 flags:none locks:\[default-route:1, \]$/,
    );
    const at = lines.indexOf('10.10.1.1/32');
    assert.deepEqual(lines.slice(at, at + 4), [
      '10.10.1.1/32',
      '  unicast-ip4-chain',
      '  [@0]: dpo-load-balance: [proto:ip4 index:8 buckets:1 uRPF:7 to:[0:0]]',
      '    [0] [@2]: dpo-receive: 10.10.1.1 on loop0',
    ]);
    assert.ok(lines.includes('    [0] [@4]: ipv4-glean: [src:10.10.1.1/24] loop0: mtu:9000'));
    assert.equal(runCli('show ip fib table 9', world()).output, '', 'no such table: nothing');
    assert.match(runCli('show ip6 fib', world()).output, /^ipv6-VRF:0,.*\n::\/0\n/);
  });

  it('answer unknown commands as VPP does: retval -1 and "unknown input"', () => {
    const s = world();
    assert.deepEqual(runCli('frobnicate the thing', s), {
      retval: -1,
      output: "unknown input `frobnicate the thing'\n",
    });
    assert.deepEqual(runCli('show bogus', s), { retval: -1, output: "show: unknown input `bogus'\n" });
    assert.deepEqual(runCli('show interface nope0', s), {
      retval: -1,
      output: "show interface: unknown input `nope0'\n",
    });
    assert.equal(runCli('show i', s).retval, -1, 'ambiguous: interface, ip, ip6');
  });
});

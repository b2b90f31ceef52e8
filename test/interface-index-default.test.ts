/**
 * An interface index a request leaves out is ~0, as VPP's Python client sends
 * it: `{}` to a dump filtered by interface lists every entry, and a forgotten
 * `sw_if_index` in a set request fails instead of acting on local0. An
 * explicit 0 still means local0. Against the simulator and a real VPP.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { post } from './support/http.ts';
import { forEachBackend, stackFor } from './support/backends.ts';
import type { Stack } from './support/stack.ts';

const ADMIN_UP = 'IF_STATUS_API_FLAG_ADMIN_UP';

type Obj = Record<string, unknown>;

/** A REST call: its status, and its JSON as an object and as a list (a dump's entries). */
async function call(stack: Stack, route: string, body: unknown): Promise<{ status: number; json: Obj; list: Obj[] }> {
  const r = await post(`${stack.rest}/${route}/request`, body);
  return { status: r.status, json: (r.json ?? {}) as Obj, list: Array.isArray(r.json) ? (r.json as Obj[]) : [] };
}

/** What the simulator and VPP agree on. */
function commonCases(stack: () => Stack): void {
  it('refuses a set request without sw_if_index with INVALID_SW_IF_INDEX', async () => {
    const r = await call(stack(), 'Interface/SwInterfaceSetFlags', { flags: [ADMIN_UP] });
    assert.equal(r.status, 404, JSON.stringify(r.json));
    assert.match(String(r.json.message), /INVALID_SW_IF_INDEX/);
  });

  it('still takes an explicit 0 as local0', async () => {
    const r = await call(stack(), 'Interface/SwInterfaceGetTable', { sw_if_index: 0 });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.retval, 0);
    const absent = await call(stack(), 'Interface/SwInterfaceGetTable', {});
    assert.equal(absent.status, 404, JSON.stringify(absent.json));
  });

  it('lists every interface for sw_interface_dump with sw_if_index 0 or ~0, as VPP does', async () => {
    const loop = await call(stack(), 'Interface/CreateLoopback', {});
    assert.equal(loop.status, 200);
    for (const sw_if_index of [0, 4294967295, undefined]) {
      const r = await call(stack(), 'Interface/SwInterfaceDump', sw_if_index === undefined ? {} : { sw_if_index });
      const names = r.list.map((i) => i.interface_name);
      assert.ok(names.includes('local0') && names.includes('loop0'), `${sw_if_index}: ${names.join(',')}`);
    }
  });
}

forEachBackend('absent interface indexes', (backend) => {
  const stack = stackFor(backend);
  commonCases(stack);
  // the simulator has no tunnels
  if (backend.kind === 'sim') return;

  it('lists what exists for {} to GRE, IPIP, VXLAN and IPv6 RA dumps', async () => {
    const s = stack();
    const gre = await call(s, 'Gre/GreTunnelAddDel', { is_add: true, tunnel: { src: '10.9.0.1', dst: '10.9.0.2' } });
    assert.equal(gre.status, 200, JSON.stringify(gre.json));
    const ipip = await call(s, 'Ipip/IpipAddTunnel', { tunnel: { src: '10.9.1.1', dst: '10.9.1.2' } });
    assert.equal(ipip.status, 200, JSON.stringify(ipip.json));
    const vxlan = await call(s, 'Vxlan/VxlanAddDelTunnelV3', {
      src_address: '10.9.2.1',
      dst_address: '10.9.2.2',
      vni: 7,
    });
    assert.equal(vxlan.status, 200, JSON.stringify(vxlan.json));
    // router advertisements need an Ethernet interface with IPv6
    const loop = await call(s, 'Interface/CreateLoopback', {});
    const ip6 = await call(s, 'Ip/SwInterfaceIp6EnableDisable', { sw_if_index: loop.json.sw_if_index, enable: true });
    assert.equal(ip6.status, 200, JSON.stringify(ip6.json));

    const greDump = await call(s, 'Gre/GreTunnelDump', {});
    assert.deepEqual(
      greDump.list.map((d) => (d.tunnel as Obj).sw_if_index),
      [gre.json.sw_if_index],
    );
    const ipipDump = await call(s, 'Ipip/IpipTunnelDump', {});
    assert.deepEqual(
      ipipDump.list.map((d) => (d.tunnel as Obj).sw_if_index),
      [ipip.json.sw_if_index],
    );
    const vxlanDump = await call(s, 'Vxlan/VxlanTunnelV2Dump', {});
    assert.deepEqual(
      vxlanDump.list.map((d) => [d.sw_if_index, d.vni]),
      [[vxlan.json.sw_if_index, 7]],
    );
    const ra = await call(s, 'Ip6Nd/SwInterfaceIp6ndRaDump', {});
    assert.ok(
      ra.list.some((d) => d.sw_if_index === loop.json.sw_if_index),
      JSON.stringify(ra.json),
    );
    // explicit 0 still asks about local0 only
    assert.deepEqual((await call(s, 'Gre/GreTunnelDump', { sw_if_index: 0 })).list, []);
  });
});

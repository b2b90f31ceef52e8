import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { API_DIR } from '../../test/support/paths.ts';
import { ApiLoadError, loadApiDir } from './load-json.ts';

const model = loadApiDir(API_DIR);

describe('loading VPP 26.06 .api.json files', () => {
  it('loads every module, message and service entry', () => {
    assert.equal(model.modules.length, 150);
    assert.equal(model.messages.size, 2093);
    assert.equal(model.services.size, 1029);
    assert.ok(model.modules.some((m) => m.name === 'acl' && m.area === 'plugins'));
    assert.ok(model.modules.some((m) => m.name === 'interface' && m.area === 'core'));
  });

  it('gives each shared type to the module that defines it', () => {
    assert.equal(model.types.get('address')?.module, 'ip_types');
    assert.equal(model.types.get('mac_address')?.module, 'ethernet_types');
    assert.equal(model.types.get('interface_index')?.module, 'interface_types');
    assert.equal(model.types.get('fib_path')?.module, 'fib_types');
    // interface.api.json carries address, but does not own it
    assert.ok(!model.modules.find((m) => m.name === 'interface')!.types.some((t) => t.name === 'address'));
  });

  it('reads variable arrays with their length fields', () => {
    const route = model.types.get('ip_route');
    assert.equal(route?.kind, 'typedef');
    assert.deepEqual(
      route.fields.find((f) => f.name === 'paths'),
      { name: 'paths', type: 'fib_path', lengthField: 'n_paths' },
    );
    const reply = model.messages.get('sockclnt_create_reply')!;
    assert.deepEqual(reply.fields.at(-1), { name: 'message_table', type: 'message_table_entry', lengthField: 'count' });
  });

  it('reads fixed arrays, fixed strings and open strings', () => {
    const path = model.types.get('fib_path');
    assert.equal(path?.kind, 'typedef');
    assert.equal(path.fields.find((f) => f.name === 'label_stack')?.fixedLength, 16);
    const ver = model.messages.get('show_version_reply')!;
    assert.deepEqual(
      ver.fields.find((f) => f.name === 'program'),
      { name: 'program', type: 'string', fixedLength: 32 },
    );
    const cli = model.messages.get('cli_inband')!;
    assert.deepEqual(cli.fields.at(-1), { name: 'cmd', type: 'string', open: true });
  });

  it('reads unions with and without a discriminator', () => {
    const address = model.types.get('address');
    assert.equal(address?.kind, 'typedef');
    assert.deepEqual(address.fields[1], { name: 'un', type: 'address_union', discriminator: 'af' });
    const union = model.types.get('address_union');
    assert.equal(union?.kind, 'union');
    assert.deepEqual(
      union.fields.map((f) => [f.name, f.case]),
      [
        ['ip4', 'ADDRESS_IP4'],
        ['ip6', 'ADDRESS_IP6'],
      ],
    );
    const nh = model.types.get('fib_path_nh');
    assert.equal(nh?.kind, 'typedef');
    assert.equal(nh.fields.find((f) => f.name === 'address')?.discriminator, undefined);
  });

  it('reads enums with their size, and enumflags', () => {
    const af = model.types.get('address_family');
    assert.deepEqual(af, {
      kind: 'enum',
      name: 'address_family',
      module: 'ip_types',
      size: 'u8',
      values: [
        { name: 'ADDRESS_IP4', value: 0 },
        { name: 'ADDRESS_IP6', value: 1 },
      ],
    });
    const virtio = model.types.get('virtio_flags');
    assert.equal(virtio?.kind, 'enumflags');
    assert.equal(virtio.size, 'u32');
    const lb = model.types.get('lb_nat_protocol');
    assert.equal(lb?.kind, 'enum');
    assert.equal(lb.values.at(-1)?.value, 4294967295);
  });

  it('reads aliases, with and without a length', () => {
    assert.deepEqual(model.types.get('ip4_address'), {
      kind: 'alias',
      name: 'ip4_address',
      module: 'ip_types',
      type: 'u8',
      length: 4,
    });
    assert.deepEqual(model.types.get('interface_index'), {
      kind: 'alias',
      name: 'interface_index',
      module: 'interface_types',
      type: 'u32',
    });
    assert.deepEqual(model.types.get('address_with_prefix'), {
      kind: 'alias',
      name: 'address_with_prefix',
      module: 'ip_types',
      type: 'prefix',
    });
  });

  it('types defaults by their field', () => {
    const dump = model.messages.get('sw_interface_dump')!;
    assert.equal(dump.fields.find((f) => f.name === 'sw_if_index')?.default, 4294967295);
    const v2 = model.messages.get('memclnt_create_v2')!;
    assert.equal(v2.fields.find((f) => f.name === 'keepalive')?.default, true); // "true" in the file
  });

  it("gives interface indexes that requests leave out ~0, as VPP's Python client does", () => {
    const indexOf = (msg: string, field = 'sw_if_index') =>
      model.messages.get(msg)!.fields.find((f) => f.name === field)?.default;
    for (const dump of ['gre_tunnel_dump', 'ipip_tunnel_dump', 'vxlan_tunnel_dump', 'sw_interface_ip6nd_ra_dump'])
      assert.equal(indexOf(dump), 4294967295, dump);
    assert.equal(indexOf('sw_interface_set_flags'), 4294967295);
    assert.equal(indexOf('sw_interface_set_l2_xconnect', 'rx_sw_if_index'), 4294967295);
    // replies, details and events keep what VPP sends, and structs are shared with them
    assert.equal(indexOf('sw_interface_details'), undefined);
    assert.equal(indexOf('create_loopback_reply'), undefined);
    assert.equal(indexOf('sw_interface_event'), undefined);
    const tunnel = model.types.get('gre_tunnel');
    assert.ok(tunnel?.kind === 'typedef');
    assert.equal(tunnel.fields.find((f) => f.name === 'sw_if_index')?.default, undefined);
  });

  it('reads CRCs and deprecated / in-progress options', () => {
    assert.equal(model.messages.get('show_version')?.crc, '0x51077d14');
    assert.equal(model.messages.get('memclnt_create')?.options.deprecated, true);
    assert.ok([...model.messages.values()].some((m) => m.options.inProgress));
  });

  it('reads services: replies, dumps, stream_msg and events', () => {
    assert.deepEqual(model.services.get('show_version'), {
      module: 'vpe',
      request: 'show_version',
      reply: 'show_version_reply',
    });
    assert.deepEqual(model.services.get('sw_interface_dump'), {
      module: 'interface',
      request: 'sw_interface_dump',
      reply: 'sw_interface_details',
      stream: true,
    });
    assert.deepEqual(model.services.get('sw_interface_tx_placement_get'), {
      module: 'interface',
      request: 'sw_interface_tx_placement_get',
      reply: 'sw_interface_tx_placement_get_reply',
      stream: true,
      streamMessage: 'sw_interface_tx_placement_details',
    });
    assert.deepEqual(model.services.get('want_interface_events'), {
      module: 'interface',
      request: 'want_interface_events',
      reply: 'want_interface_events_reply',
      events: ['sw_interface_event'],
    });
    assert.equal(model.services.get('rx_thread_exit')?.reply, null);
  });
});

describe('loading broken files', () => {
  function apiDir(files: Record<string, unknown>): string {
    const dir = mkdtempSync(join(tmpdir(), 'vpp-api-'));
    mkdirSync(join(dir, 'core'));
    for (const [name, body] of Object.entries(files))
      writeFileSync(join(dir, 'core', name), typeof body === 'string' ? body : JSON.stringify(body));
    return dir;
  }
  const good = {
    module: 'good',
    types: [],
    messages: [],
    unions: [],
    enums: [],
    enumflags: [],
    services: {},
    aliases: {},
  };

  it('names each bad file and its reason, without a stack trace', () => {
    const dir = apiDir({
      'good.api.json': good,
      'broken.api.json': '{ not json',
      'nocrc.api.json': { ...good, module: 'nocrc', messages: [['m', ['u16', '_vl_msg_id'], {}]] },
    });
    assert.throws(
      () => loadApiDir(dir),
      (e: unknown) => {
        assert.ok(e instanceof ApiLoadError);
        assert.equal(e.problems.length, 2);
        assert.match(e.message, /broken\.api\.json: .*JSON/);
        assert.match(e.message, /nocrc\.api\.json: message m: missing or bad crc/);
        assert.doesNotMatch(e.message, /\n\s+at /);
        return true;
      },
    );
  });

  it('reports a type that resolves nowhere', () => {
    const dir = apiDir({
      'a.api.json': { ...good, module: 'a', types: [['t', ['vl_api_nowhere_t', 'x']]] },
    });
    assert.throws(() => loadApiDir(dir), /a\.api\.json: t\.x: unknown type vl_api_nowhere_t/);
  });

  it('reports a missing folder', () => {
    assert.throws(() => loadApiDir('/nonexistent/vpp/api'), ApiLoadError);
  });
});

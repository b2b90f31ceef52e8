import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadApi } from '../../test/support/api.ts';
import { CodecError, createCodec, type Header, type Value } from './index.ts';

const { model } = loadApi();
const codec = createCodec(model);
const header: Header = { msgId: 1, context: 2, clientIndex: 3 };

/** Encoding `value` fails with an invalid-value CodecError at `path` whose message matches `detail`. */
function rejects(message: string, value: Value, path: string, detail: RegExp): void {
  assert.throws(
    () => codec.message(message).encode(value, header),
    (e: unknown) => {
      assert.ok(e instanceof CodecError, `${String(e)} is a CodecError`);
      assert.equal(e.kind, 'invalid-value');
      assert.equal(e.path, path);
      assert.match(e.message, detail);
      assert.ok(e.message.startsWith(`${path}: `), e.message);
      return true;
    },
  );
}

const path = (over: Value): Value => ({ sw_if_index: 1, nh: { address: { ip4: '10.0.0.1' } }, ...over });
const route = (...paths: Value[]): Value => ({ route: { prefix: '10.0.0.0/8', paths } });

describe('values that do not fit', () => {
  it('integers out of range, negative, fractional or too large', () => {
    rejects(
      'ip_route_add_del',
      route(path({}), path({ weight: 256 })),
      'route.paths[1].weight',
      /integer 0\.\.255.*256/,
    );
    rejects('sw_interface_set_flags', { sw_if_index: -1 }, 'sw_if_index', /integer 0\.\.4294967295.*-1/);
    rejects('sw_interface_set_flags', { sw_if_index: 2 ** 32 }, 'sw_if_index', /0\.\.4294967295/);
    rejects('sw_interface_set_flags', { sw_if_index: 1.5 }, 'sw_if_index', /integer.*1\.5/);
    rejects('sw_interface_set_flags', { sw_if_index: NaN }, 'sw_if_index', /integer.*NaN/);
    rejects('classify_add_del_table', { current_data_offset: 32768 }, 'current_data_offset', /-32768\.\.32767/);
  });

  it('64-bit integers beyond their range or not integers', () => {
    rejects(
      'ikev2_set_sa_lifetime',
      { lifetime: 2n ** 64n },
      'lifetime',
      /18446744073709551616 is out of range for u64/,
    );
    rejects('ikev2_set_sa_lifetime', { lifetime: -1n }, 'lifetime', /out of range for u64/);
    rejects('ikev2_set_sa_lifetime', { lifetime: '18446744073709551616' }, 'lifetime', /out of range for u64/);
    rejects('ikev2_set_sa_lifetime', { lifetime: 2 ** 53 }, 'lifetime', /64-bit integer/);
    rejects('ikev2_set_sa_lifetime', { lifetime_maxdata: '12ab' }, 'lifetime_maxdata', /64-bit integer/);
    rejects('ikev2_set_sa_lifetime', { lifetime: 1.5 }, 'lifetime', /64-bit integer/);
  });

  it('values of the wrong JS type', () => {
    rejects('sw_interface_set_flags', { sw_if_index: '1' }, 'sw_if_index', /integer.*string "1"/);
    rejects('sw_interface_set_flags', { sw_if_index: true }, 'sw_if_index', /integer.*boolean true/);
    rejects('sw_interface_set_flags', { sw_if_index: 1n }, 'sw_if_index', /integer.*bigint 1/);
    rejects('ip_route_add_del', { is_add: 1 }, 'is_add', /a boolean, got number 1/);
    rejects('acl_add_replace', { tag: 5 }, 'tag', /a string, got number 5/);
    rejects('sw_interface_add_del_address', { prefix: 10 }, 'prefix', /prefix text, got number 10/);
    rejects('ip_route_add_del', { route: 'x' }, 'route', /an object, got the string "x"/);
    rejects('ip_route_add_del', { route: [] }, 'route', /an object, got an array/);
    rejects('ip_route_add_del', { route: { paths: {} } }, 'route.paths', /an array, got an object/);
    rejects('classify_add_del_table', { mask: 'ff00' }, 'mask', /bytes \(Uint8Array\)/);
    rejects('classify_add_del_table', { mask: [255] }, 'mask', /bytes \(Uint8Array\), got an array/);
    rejects('arping', { interval: '1.5' }, 'interval', /a number/);
    rejects('ip_route_add_del', route(path({ nh: { address: 'x' } })), 'route.paths[0].nh.address', /object/);
  });

  it('strings too long for a fixed-size string', () => {
    rejects(
      'acl_add_replace',
      { tag: 'x'.repeat(64) },
      'tag',
      /64 bytes of UTF-8 do not fit a string\[64\] \(at most 63\)/,
    );
    rejects('acl_add_replace', { tag: '€'.repeat(22) }, 'tag', /66 bytes/);
    rejects('acl_add_replace', { tag: 'a\0b' }, 'tag', /NUL/);
    assert.equal(codec.message('acl_add_replace').encode({ tag: 'x'.repeat(63) }, header).length > 0, true);
  });

  it('bad address, prefix and MAC text', () => {
    rejects('sw_interface_add_del_address', { prefix: '10.0.0.1/33' }, 'prefix', /prefix length 33 .*0\.\.32/);
    rejects('sw_interface_add_del_address', { prefix: '10.0.0.1' }, 'prefix', /not a prefix/);
    rejects('sw_interface_add_del_address', { prefix: '10.0.0.300/24' }, 'prefix', /not an IPv4 or IPv6 address/);
    rejects(
      'ip_route_add_del',
      route(path({ nh: { address: { ip4: '1.2.3' } } })),
      'route.paths[0].nh.address.ip4',
      /IPv4/,
    );
    rejects(
      'ip_route_add_del',
      route(path({}), path({ nh: { address: { ip6: '2001:db8:::1' } } })),
      'route.paths[1].nh.address.ip6',
      /"2001:db8:::1" is not an IPv6 address/,
    );
    rejects('sw_interface_ip6_set_link_local_address', { ip: '10.0.0.1' }, 'ip', /not an IPv6 address/);
    rejects('create_loopback', { mac_address: 'de:ad:be:ef:00' }, 'mac_address', /not a MAC address/);
    rejects('arping', { address: 'fe80::1%eth0' }, 'address', /not an IPv6 address/);
  });

  it('unknown enum symbols and enum numbers outside their size', () => {
    rejects(
      'ip_route_add_del',
      route(path({ type: 'FIB_API_PATH_TYPE_NOPE' })),
      'route.paths[0].type',
      /unknown symbol/,
    );
    rejects(
      'acl_add_replace',
      { r: [{}, { proto: 256 }] },
      'r[1].proto',
      /256 is out of range 0\.\.255 of u8 enum ip_proto/,
    );
    rejects('acl_add_replace', { r: [{ is_permit: true }] }, 'r[0].is_permit', /symbol or number of enum acl_action/);
    rejects(
      'ip_route_add_del',
      route(path({ flags: ['FIB_API_PATH_FLAG_NOPE'] })),
      'route.paths[0].flags[0]',
      /unknown/,
    );
    rejects('sw_interface_set_flags', { flags: 2 ** 32 }, 'flags', /out of range/);
  });

  it('too many array elements or bytes', () => {
    const stack = Array.from({ length: 17 }, () => ({}));
    rejects('ip_route_add_del', route(path({ label_stack: stack })), 'route.paths[0].label_stack', /17 elements .* 16/);
    const many = Array.from({ length: 256 }, () => path({}));
    rejects('ip_route_add_del', route(...many), 'route.paths', /256 elements do not fit its u8 length field n_paths/);
    rejects(
      'ipsec_sad_entry_add_del_v3',
      { entry: { crypto_key: { data: new Uint8Array(129) } } },
      'entry.crypto_key.data',
      /129 bytes do not fit u8\[128\]/,
    );
  });

  it('unknown fields, and hidden fields given as values', () => {
    rejects('sw_interface_set_flags', { sw_if_index: 1, bogus: 1 }, 'bogus', /unknown field; .*sw_if_index, flags/);
    rejects('ip_route_add_del', route(path({ nh: { adress: {} } })), 'route.paths[0].nh.adress', /unknown field/);
    rejects(
      'ip_route_add_del',
      route(path({ nh: { address: { ip5: '1.2.3.4' } } })),
      'route.paths[0].nh.address.ip5',
      /arm/,
    );
    rejects('ip_route_add_del', { route: { n_paths: 1 } }, 'route.n_paths', /filled in by the codec/);
    rejects('show_version', { context: 5 }, 'context', /filled in by the codec/);
  });

  it('a oneof arm that does not match the discriminator given, or two arms', () => {
    const ip4 = { src_addr: { addr: '10.0.0.1', mask: '255.0.0.0' } };
    rejects(
      'flow_add',
      { flow: { type: 'FLOW_TYPE_IP6', flow: { ip4 } } },
      'flow.type',
      /string "FLOW_TYPE_IP6" does not select flow.ip4, which needs FLOW_TYPE_IP4/,
    );
    rejects('flow_add', { flow: { type: 3, flow: { ip4 } } }, 'flow.type', /number 3 does not select/);
    rejects('flow_add', { flow: { flow: { ip4, ip6: {} } } }, 'flow.flow', /only one arm may be set, got ip4 and ip6/);
  });

  it('header values out of range', () => {
    const mc = codec.message('show_version');
    assert.throws(() => mc.encode({}, { msgId: 65536 }), { name: 'CodecError', path: 'msgId', kind: 'invalid-value' });
    assert.throws(() => mc.encode({}, { msgId: 1, context: -1 }), { path: 'context' });
    assert.throws(() => mc.encode({}, { msgId: 1, clientIndex: 2 ** 32 }), { path: 'clientIndex' });
  });

  it('an unknown message name', () => {
    assert.throws(() => codec.message('no_such_message'), { name: 'CodecError', kind: 'unknown-message' });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadApi } from '../../test/support/api.ts';
import { Compiler } from './compile.ts';
import { createCodec, frame, TEXT_CODECS, type Header, type Value } from './index.ts';

const { model } = loadApi();
const codec = createCodec(model);
const header: Header = { msgId: 0x1234, context: 0xdeadbeef, clientIndex: 0x80000001 };

const encode = (msg: string, value: Value | undefined, h: Header = header): Buffer =>
  codec.message(msg).encode(value, h);
const roundTrip = (msg: string, value: Value | undefined): Value => codec.message(msg).decode(encode(msg, value)).value;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('the codec', () => {
  it('writes the message id, then client_index and context from the header', () => {
    assert.equal(hex(encode('show_version', {})), '1234' + '80000001' + 'deadbeef');
    assert.equal(hex(encode('show_version', undefined, { msgId: 7 })), '0007' + '00000000' + '00000000');
    const ping = codec.message('control_ping_reply').encode({ retval: -1, vpe_pid: 5 }, header);
    // control_ping_reply: context, retval, then client_index
    assert.equal(hex(ping), '1234' + 'deadbeef' + 'ffffffff' + '80000001' + '00000005');
    const d = codec.message('control_ping_reply').decode(ping);
    assert.deepEqual(d, {
      msgId: 0x1234,
      value: { retval: -1, vpe_pid: 5 },
      context: 0xdeadbeef,
      clientIndex: 0x80000001,
    });
  });

  it('reports no context for events and no client index for replies', () => {
    const event = codec.message('sw_interface_event');
    const d = event.decode(event.encode({ pid: 1 }, header));
    assert.equal(d.context, undefined);
    assert.equal(d.clientIndex, 0x80000001);
    const reply = codec.message('show_version_reply');
    assert.equal(reply.decode(reply.encode({}, header)).clientIndex, undefined);
  });

  it('names each message as the message table does, and knows fixed sizes', () => {
    assert.equal(codec.message('control_ping').nameCrc, 'control_ping_51077d14');
    assert.equal(codec.message('show_version_reply').fixedSize, 362);
    assert.equal(codec.message('cli_inband_reply').fixedSize, -1);
    assert.equal(codec.message('ip_route_add_del').fixedSize, -1);
    assert.equal(codec.message('show_version'), codec.message('show_version'), 'compiled once');
  });

  it('frames a payload', () => {
    const mc = codec.message('show_version');
    assert.deepEqual(mc.encodeFrame({}, header), frame(mc.encode({}, header)));
  });

  it('pads fixed arrays with zero elements and decodes exactly N', () => {
    const value = roundTrip('ip_route_add_del', { route: { paths: [{ label_stack: [{ label: 7, ttl: 64 }] }] } });
    const stack = ((value.route as Value).paths as Value[])[0]!.label_stack as Value[];
    assert.equal(stack.length, 16);
    assert.deepEqual(stack[0], { is_uniform: 0, label: 7, ttl: 64, exp: 0 });
    assert.deepEqual(stack[15], { is_uniform: 0, label: 0, ttl: 0, exp: 0 });
    assert.deepEqual(roundTrip('sw_interface_details', { mtu: [1500] }).mtu, [1500, 0, 0, 0]);
  });

  it('fills in length fields from the arrays', () => {
    const bytes = encode('acl_add_replace', { r: [{}, {}, {}] });
    assert.equal(bytes.readUInt32BE(2 + 4 + 4 + 4 + 64), 3);
    assert.equal((codec.message('acl_add_replace').decode(bytes).value.r as unknown[]).length, 3);
    const noRules = encode('acl_add_replace', {});
    assert.equal(noRules.length, 2 + 4 + 4 + 4 + 64 + 4);
  });

  it('gives absent fields their VPP default', () => {
    assert.equal(roundTrip('acl_interface_add_del', {}).is_add, true);
    assert.equal(roundTrip('acl_interface_add_del', { is_add: false }).is_add, false);
    assert.equal((roundTrip('ipsec_itf_create', { itf: {} }).itf as Value).user_instance, 4294967295);
    const arping = roundTrip('arping', {});
    assert.equal(arping.repeat, 1);
    assert.equal(arping.interval, 1);
  });

  it('writes ~0 for an interface index a request leaves out, and 0 when 0 is given', () => {
    assert.equal(hex(encode('gre_tunnel_dump', {}).subarray(10)), 'ffffffff');
    assert.equal(hex(encode('gre_tunnel_dump', { sw_if_index: 0 }).subarray(10)), '00000000');
    assert.equal(roundTrip('sw_interface_set_flags', { flags: [1] }).sw_if_index, 4294967295);
    assert.equal(roundTrip('sw_interface_details', {}).sw_if_index, 0, 'replies are not requests');
  });

  it('takes enums as symbols or numbers and decodes numbers', () => {
    const a = encode('acl_add_replace', { r: [{ proto: 'IP_API_PROTO_TCP' }] });
    assert.deepEqual(a, encode('acl_add_replace', { r: [{ proto: 6 }] }));
    assert.equal((codec.message('acl_add_replace').decode(a).value.r as Value[])[0]!.proto, 6);
    // numbers without a symbol fit the enum's size and pass through
    assert.equal((roundTrip('acl_add_replace', { r: [{ proto: 200 }] }).r as Value[])[0]!.proto, 200);
  });

  it('writes bit sets from lists of bits or a mask, and decodes every bit set', () => {
    const byName = encode('sw_interface_set_flags', {
      flags: ['IF_STATUS_API_FLAG_ADMIN_UP', 'IF_STATUS_API_FLAG_LINK_UP'],
    });
    assert.deepEqual(byName, encode('sw_interface_set_flags', { flags: 3 }));
    assert.deepEqual(byName, encode('sw_interface_set_flags', { flags: [1, 2] }));
    assert.deepEqual(roundTrip('sw_interface_set_flags', { flags: 3 }).flags, [1, 2]);
    // bits no symbol names are kept; bit 31 is the proto enum number -2^31
    assert.deepEqual(roundTrip('sw_interface_set_flags', { flags: 0x80000005 }).flags, [1, 4, -0x80000000]);
    assert.deepEqual(
      encode('sw_interface_set_flags', { flags: [-0x80000000] }),
      encode('sw_interface_set_flags', { flags: 0x80000000 }),
    );
    assert.deepEqual(roundTrip('sw_interface_set_flags', {}).flags, []);
  });

  it('takes 64-bit integers as bigint, safe number or decimal string', () => {
    const big = 0xfedcba9876543210n;
    const bytes = encode('ikev2_set_sa_lifetime', { lifetime: big, lifetime_maxdata: 42 });
    assert.deepEqual(bytes, encode('ikev2_set_sa_lifetime', { lifetime: big.toString(), lifetime_maxdata: '42' }));
    assert.equal(bytes.readBigUInt64BE(2 + 4 + 4 + 64), big);
    const value = codec.message('ikev2_set_sa_lifetime').decode(bytes).value;
    assert.equal(value.lifetime, big);
    assert.equal(value.lifetime_maxdata, 42n);
  });

  it('writes f64 little-endian', () => {
    const bytes = encode('arping', { interval: 1.5 });
    assert.equal(bytes.readDoubleLE(bytes.length - 8), 1.5);
    assert.equal(roundTrip('arping', { interval: -0.25 }).interval, -0.25);
  });

  it('NUL-pads fixed strings, keeps room for the NUL, and stops decoding at the first NUL', () => {
    const mc = codec.message('show_version_reply');
    const bytes = mc.encode({ program: 'x'.repeat(31), version: 'é€' }, header);
    assert.equal(bytes.subarray(10, 42).toString(), 'x'.repeat(31) + '\0');
    assert.equal(hex(bytes.subarray(42, 50)), 'c3a9e282ac000000');
    assert.equal(mc.decode(bytes).value.version, 'é€');
    bytes[12] = 0;
    assert.equal(mc.decode(bytes).value.program, 'xx');
  });

  it('prefixes variable strings with their u32 byte count', () => {
    const bytes = encode('cli_inband', { cmd: 'show €' });
    assert.equal(hex(bytes.subarray(10)), '00000008' + Buffer.from('show €').toString('hex'));
    assert.equal(roundTrip('cli_inband', { cmd: 'show €' }).cmd, 'show €');
    assert.equal(roundTrip('cli_inband', {}).cmd, '');
  });

  it('drops the trailing NULs VPP counts in some variable strings', () => {
    // selog_track_details as VPP 26.06 sends it: index 0, name "default" with its NUL counted
    const name = Buffer.from('default\0', 'latin1');
    const bytes = Buffer.concat([
      Buffer.from('1234deadbeef00000000', 'hex'),
      Buffer.from([0, 0, 0, name.length]),
      name,
    ]);
    assert.equal(codec.message('selog_track_details').decode(bytes).value.name, 'default');
    const twice = Buffer.concat([bytes.subarray(0, 10), Buffer.from('0000000461620000', 'hex')]);
    assert.equal(codec.message('selog_track_details').decode(twice).value.name, 'ab');
    // a NUL inside the text is the caller's: only trailing ones go
    const inner = Buffer.concat([bytes.subarray(0, 10), Buffer.from('00000003610062', 'hex')]);
    assert.equal(codec.message('selog_track_details').decode(inner).value.name, 'a\0b');
  });

  it('zero-pads fixed u8 arrays and decodes exactly N bytes', () => {
    const entry = roundTrip('ipsec_sad_entry_add_del_v3', { entry: { crypto_key: { data: Buffer.from([1, 2, 3]) } } });
    const data = ((entry.entry as Value).crypto_key as Value).data as Buffer;
    assert.equal(data.length, 128);
    assert.deepEqual([...data.subarray(0, 4)], [1, 2, 3, 0]);
    assert.ok(data.subarray(3).every((x) => x === 0));
  });

  it('fills a oneof discriminator from the arm, and decodes only the selected arm', () => {
    const ip4 = { src_addr: { addr: '10.0.0.1', mask: '255.0.0.0' } };
    const flow = roundTrip('flow_add', { flow: { flow: { ip4 } } }).flow as Value;
    assert.equal(flow.type, 2); // FLOW_TYPE_IP4
    assert.deepEqual(Object.keys(flow.flow as Value), ['ip4']);
    assert.deepEqual(((flow.flow as Value).ip4 as Value).src_addr, ip4.src_addr);
    assert.deepEqual(
      encode('flow_add', { flow: { type: 'FLOW_TYPE_IP4', flow: { ip4 } } }),
      encode('flow_add', { flow: { flow: { ip4 } } }),
    );
    // a discriminator no arm has: no arm
    assert.deepEqual((roundTrip('flow_add', { flow: { type: 0 } }).flow as Value).flow, {});
  });

  it('decodes every arm of a union without a discriminator, and writes the widest arm set', () => {
    const nh = (value: Value): Value =>
      (
        (roundTrip('ip_route_add_del', { route: { paths: [{ nh: { address: value } }] } }).route as Value)
          .paths as Value[]
      )[0]!.nh as Value;
    assert.deepEqual(nh({ ip4: '10.10.1.3' }).address, { ip4: '10.10.1.3', ip6: 'a0a:103::' });
    assert.deepEqual(nh({ ip4: '1.1.1.1', ip6: '2001:db8::1' }).address, { ip4: '32.1.13.184', ip6: '2001:db8::1' });
    // "" is how proto3 leaves a text arm out
    assert.deepEqual(nh({ ip4: '10.0.0.1', ip6: '' }).address, { ip4: '10.0.0.1', ip6: 'a00:1::' });
  });

  it('decodes a Uint8Array, and never hands out views into the payload', () => {
    const bytes = encode('classify_add_del_table', { mask: Buffer.from('ffff0000', 'hex') });
    const plain = new Uint8Array(bytes);
    const mask = codec.message('classify_add_del_table').decode(plain).value.mask as Buffer;
    assert.deepEqual([...mask], [0xff, 0xff, 0, 0]);
    assert.notEqual(mask.buffer, plain.buffer);
    plain.fill(0);
    assert.deepEqual([...mask], [0xff, 0xff, 0, 0]);
  });

  it('writes the text types in the layout the model gives them', () => {
    const compiler = new Compiler(model);
    for (const [name, format] of Object.entries({
      address: 'address',
      prefix: 'prefix',
      ip4_prefix: 'ip4_prefix',
      ip6_prefix: 'ip6_prefix',
    } as const)) {
      const def = model.types.get(name);
      assert.ok(def?.kind === 'typedef', name);
      assert.equal(compiler.struct(def).fixed, TEXT_CODECS[format].size, name);
    }
    for (const [name, format] of [
      ['mac_address', 'mac_address'],
      ['ip4_address', 'ip4_address'],
      ['ip6_address', 'ip6_address'],
    ] as const) {
      const def = model.types.get(name);
      assert.ok(def?.kind === 'alias', name);
      assert.equal(def.length, TEXT_CODECS[format].size, name);
    }
  });
});

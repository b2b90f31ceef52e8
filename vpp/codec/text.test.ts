import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../test/support/codec-samples.ts';
import { TEXT_CODECS, TextError } from './text.ts';

const write = (format: keyof typeof TEXT_CODECS, text: string): Buffer => {
  const b = Buffer.alloc(TEXT_CODECS[format].size, 0xee);
  TEXT_CODECS[format].write(b, 0, text);
  return b;
};
const roundTrip = (format: keyof typeof TEXT_CODECS, text: string): string =>
  TEXT_CODECS[format].read(write(format, text), 0);

/** The WHATWG URL parser's IPv6 serializer follows RFC 5952 §4: an independent reference. */
const urlIp6 = (b: Buffer): string => {
  const groups = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(2 * i).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
};

describe('text forms of addresses, prefixes and MACs', () => {
  it('writes the wire layout of each type', () => {
    assert.equal(write('ip4_address', '10.0.0.1').toString('hex'), '0a000001');
    assert.equal(write('address', '10.10.1.3').toString('hex'), '000a0a0103' + '00'.repeat(12));
    assert.equal(write('address', '2001:db8::1').toString('hex'), '0120010db8' + '00'.repeat(10) + '0001');
    assert.equal(write('prefix', '10.1.1.1/24').toString('hex'), '000a010101' + '00'.repeat(12) + '18');
    assert.equal(write('ip6_prefix', 'fe80::/10').toString('hex'), 'fe80' + '00'.repeat(14) + '0a');
    assert.equal(write('ip4_prefix', '192.168.0.0/16').toString('hex'), 'c0a8000010');
    assert.equal(write('mac_address', '02:FE:00:00:00:01').toString('hex'), '02fe00000001');
  });

  it('writes zeros for an absent (empty) value', () => {
    for (const format of Object.keys(TEXT_CODECS) as (keyof typeof TEXT_CODECS)[])
      assert.ok(
        write(format, '').every((x) => x === 0),
        format,
      );
  });

  it('keeps host bits of prefixes', () => {
    assert.equal(roundTrip('prefix', '10.1.1.1/24'), '10.1.1.1/24');
    assert.equal(roundTrip('prefix', '2001:db8::1/64'), '2001:db8::1/64');
    assert.equal(roundTrip('ip4_prefix', '10.1.1.1/8'), '10.1.1.1/8');
  });

  it('reads IPv6 the RFC 5952 way', () => {
    const cases: [string, string][] = [
      ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first of two equal runs
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // never "::" for one group
      ['0:0:0:0:0:0:0:0', '::'],
      ['::1', '::1'],
      ['1::', '1::'],
      ['2001:db8::0:1', '2001:db8::1'],
      ['::ffff:192.0.2.1', '::ffff:192.0.2.1'], // §5: IPv4-mapped ends in dotted quad
      ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
      ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    ];
    for (const [input, canonical] of cases) assert.equal(roundTrip('ip6_address', input), canonical, input);
  });

  it('agrees with the URL parser on random IPv6 addresses', () => {
    const rng = new Rng(42);
    for (let n = 0; n < 2000; n++) {
      const b = Buffer.alloc(16);
      for (let i = 0; i < 8; i++) if (rng.chance(0.5)) b.writeUInt16BE(rng.int(0, 65535), 2 * i);
      if (b.readUInt32BE(8) === 0xffff && b.subarray(0, 8).every((x) => x === 0)) continue; // §5, checked above
      const text = TEXT_CODECS.ip6_address.read(b, 0);
      assert.equal(text, urlIp6(b));
      assert.deepEqual(write('ip6_address', text), b, text);
    }
  });

  it('rejects malformed text with the reason', () => {
    const bad: [keyof typeof TEXT_CODECS, string, RegExp][] = [
      ['ip4_address', '10.0.0', /not an IPv4 address/],
      ['ip4_address', '10.0.0.256', /not an IPv4 address/],
      ['ip4_address', '10.0.0.01', /not an IPv4 address/],
      ['ip4_address', '10.0.0.1 ', /not an IPv4 address/],
      ['ip4_address', '1.2.3.4.5', /not an IPv4 address/],
      ['ip4_address', '::1', /not an IPv4 address/],
      ['ip6_address', '2001:db8:::1', /not an IPv6 address/],
      ['ip6_address', '2001::db8::1', /not an IPv6 address/],
      ['ip6_address', '1:2:3:4:5:6:7:8:9', /not an IPv6 address/],
      ['ip6_address', '1:2:3:4:5:6:7', /not an IPv6 address/],
      ['ip6_address', '12345::', /not an IPv6 address/],
      ['ip6_address', 'fe80::1%eth0', /not an IPv6 address/],
      ['ip6_address', '1.2.3.4::', /not an IPv6 address/],
      ['ip6_address', ':1::', /not an IPv6 address/],
      ['ip6_address', 'g::1', /not an IPv6 address/],
      ['address', '10.0.0.1/24', /not an IPv4 or IPv6 address/],
      ['address', 'localhost', /not an IPv4 or IPv6 address/],
      ['prefix', '10.0.0.0', /not a prefix/],
      ['prefix', '10.0.0.0/', /not a prefix/],
      ['prefix', '10.0.0.0/024', /not a prefix/],
      ['prefix', '10.0.0.0/33', /prefix length 33 .* out of range 0\.\.32/],
      ['prefix', '::/129', /prefix length 129 .* out of range 0\.\.128/],
      ['ip4_prefix', '::/64', /not an IPv4 address/],
      ['ip6_prefix', '10.0.0.0/8', /not an IPv6 address/],
      ['mac_address', '02:fe:00:00:00', /not a MAC address/],
      ['mac_address', '02-fe-00-00-00-01', /not a MAC address/],
      ['mac_address', '02:fe:00:00:00:0g', /not a MAC address/],
    ];
    for (const [format, text, reason] of bad)
      assert.throws(
        () => write(format, text),
        (e) => e instanceof TextError && reason.test(e.message),
        text,
      );
  });

  it('refuses bytes that have no text form', () => {
    const b = Buffer.alloc(17);
    b[0] = 7;
    assert.throws(() => TEXT_CODECS.address.read(b, 0), /address family 7/);
  });
});

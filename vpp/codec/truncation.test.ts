import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadApi } from '../../test/support/api.ts';
import { Rng } from '../../test/support/codec-samples.ts';
import { WIRE_DIR } from '../../test/support/paths.ts';
import { CodecError, createCodec, FRAME_HEADER_SIZE } from './index.ts';

const { model } = loadApi();
const codec = createCodec(model);

/** The payload of the first captured frame of `msg` in a vpp-wire file. */
function captured(file: string, msg: string): Buffer {
  const entries = JSON.parse(readFileSync(join(WIRE_DIR, file), 'utf8')) as { msg?: string; hex?: string }[];
  const hex = entries.find((e) => e.msg === msg)!.hex!;
  return Buffer.from(hex, 'hex').subarray(FRAME_HEADER_SIZE);
}

const payloads: [string, Buffer][] = [
  ['show_version_reply', captured('b_show_version.json', 'show_version_reply')],
  ['ip_route_add_del', captured('g2_ip_route_add_del_2paths.json', 'ip_route_add_del')],
  ['sw_interface_details', captured('d_sw_interface_dump.json', 'sw_interface_details')],
  ['cli_inband_reply', captured('k_cli_inband.json', 'cli_inband_reply')],
  ['sockclnt_create_reply', captured('a_connect.json', 'sockclnt_create_reply')],
];

function badFrame(msg: string, payload: Uint8Array, why: string): void {
  assert.throws(
    () => codec.message(msg).decode(payload),
    (e: unknown) => e instanceof CodecError && e.kind === 'bad-frame',
    why,
  );
}

/** A copy of `payload` with a big-endian length of `bytes` bytes at `offset` set to `value`. */
function patched(payload: Buffer, offset: number, bytes: number, value: number): Buffer {
  const copy = Buffer.from(payload);
  copy.writeUIntBE(value, offset, bytes);
  return copy;
}

describe('short and corrupt payloads', () => {
  for (const [msg, payload] of payloads)
    it(`${msg}: every truncation of its ${payload.length} bytes is a bad frame`, () => {
      codec.message(msg).decode(payload); // whole, it decodes
      for (let len = 0; len < payload.length; len++) badFrame(msg, payload.subarray(0, len), `cut at ${len}`);
    });

  it('length fields that claim more than the bytes present', () => {
    const [, route] = payloads[1]!;
    // ip_route_add_del: id, client_index, context, is_add, is_multipath, table_id, stats_index, prefix, then n_paths
    const nPaths = 2 + 4 + 4 + 1 + 1 + 4 + 4 + 18;
    assert.equal(route[nPaths], 2);
    badFrame('ip_route_add_del', patched(route, nPaths, 1, 3), 'n_paths 3');
    badFrame('ip_route_add_del', patched(route, nPaths, 1, 255), 'n_paths 255');

    const [, cli] = payloads[3]!;
    const replyLength = 2 + 4 + 4;
    assert.equal(cli.readUInt32BE(replyLength), cli.length - replyLength - 4);
    badFrame('cli_inband_reply', patched(cli, replyLength, 4, cli.length - replyLength - 3), 'one byte more');
    badFrame('cli_inband_reply', patched(cli, replyLength, 4, 0xffffffff), '4 GB');

    const [, table] = payloads[4]!;
    const count = 2 + 4 + 4 + 4 + 4;
    assert.equal(table.readUInt16BE(count), 969);
    badFrame('sockclnt_create_reply', patched(table, count, 2, 970), 'one entry more');
    badFrame('sockclnt_create_reply', patched(table, count, 2, 0xffff), '65535 entries');
  });

  it('tolerate bytes after a complete message', () => {
    for (const [msg, payload] of payloads) {
      const mc = codec.message(msg);
      assert.deepEqual(mc.decode(Buffer.concat([payload, Buffer.alloc(7, 0xab)])).value, mc.decode(payload).value, msg);
    }
  });

  it('random corruption gives a value or a CodecError, nothing else', () => {
    const rng = new Rng(7);
    for (const [msg, payload] of payloads) {
      const mc = codec.message(msg);
      for (let n = 0; n < 400; n++) {
        const copy = Buffer.from(payload.subarray(0, rng.chance(0.5) ? payload.length : rng.int(0, payload.length)));
        for (let k = rng.int(1, 8); k > 0 && copy.length > 0; k--) copy[rng.int(0, copy.length - 1)] = rng.int(0, 255);
        try {
          mc.decode(copy);
        } catch (e) {
          assert.ok(e instanceof CodecError, `${msg}: ${String(e)}`);
        }
      }
    }
  });
});

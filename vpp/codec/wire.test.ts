import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { fieldViews, type Element, type FieldView } from '../api/mapping.ts';
import type { MessageDef, StructDef } from '../api/model.ts';
import { loadApi } from '../../test/support/api.ts';
import { bitsOf } from '../../test/support/codec-samples.ts';
import { WIRE_DIR } from '../../test/support/paths.ts';
import { createCodec, FRAME_HEADER_SIZE, TEXT_CODECS, type Header, type Value } from './index.ts';

const { model } = loadApi();
const codec = createCodec(model);

/** One entry of vpp-wire/*.json (notes have no hex). */
interface Capture {
  dir?: 'tx' | 'rx';
  msg?: string;
  msg_crc?: string;
  msg_id?: number;
  hex?: string;
  decoded?: Record<string, unknown> | null;
}

/** How one leaf (an element that is not a typedef or union) of a value is converted. */
type Leaf = (e: Element, raw: unknown, bytes: boolean) => unknown;

/**
 * Walk a value of `owner` field by field, converting leaves: hidden fields
 * (client_index, context, length fields) go away, and a oneof keeps the one
 * arm its discriminator selects.
 */
function mapValue(owner: MessageDef | StructDef, rec: Record<string, unknown>, leaf: Leaf): Value {
  const out: Value = {};
  const views = fieldViews(model, owner);
  for (const v of views) {
    const raw = rec[v.field.name];
    if (v.hidden || raw === undefined) continue;
    if (v.field.discriminator !== undefined && v.element.kind === 'union' && v.element.oneof) {
      const selector = views.find((d) => d.field.name === v.field.discriminator)!.element;
      const symbol =
        selector.kind === 'enum' && selector.def.values.find((s) => s.value === rec[v.field.discriminator!]);
      const arm = v.element.def.fields.find((a) => symbol && a.case === symbol.name);
      out[v.field.name] = arm ? mapValue(v.element.def, { [arm.name]: (raw as Value)[arm.name] }, leaf) : {};
      continue;
    }
    out[v.field.name] = mapField(v, raw, leaf);
  }
  return out;
}

function mapField(v: FieldView, raw: unknown, leaf: Leaf): unknown {
  if (v.bytes) return leaf(v.element, raw, true);
  const arrayed = v.field.fixedLength !== undefined || v.field.lengthField !== undefined || v.field.open;
  if (arrayed && v.element.kind !== 'string') return (raw as unknown[]).map((x) => mapElement(v.element, x, leaf));
  return mapElement(v.element, raw, leaf);
}

function mapElement(e: Element, raw: unknown, leaf: Leaf): unknown {
  if (e.kind === 'struct') return mapValue(e.def, raw as Value, leaf);
  if (e.kind !== 'union') return leaf(e, raw, false);
  const arms: Value = {};
  for (const arm of fieldViews(model, e.def))
    arms[arm.field.name] = mapField(arm, (raw as Value)[arm.field.name], leaf);
  return arms;
}

/**
 * vpp_papi's fields → the codec's values: 64-bit integers become bigints,
 * bytes come as hex, bit-set enums as a number.
 */
const fromPapi: Leaf = (e, raw, bytes) => {
  if (bytes) return Buffer.from(raw as string, 'hex');
  if (e.kind === 'scalar' && (e.scalar === 'u64' || e.scalar === 'i64')) return BigInt(raw as number);
  if (e.kind === 'enum' && e.bitset) return bitsOf(raw as number);
  return raw;
};

/** vpp_papi shows vl_api_prefix_t (and ip4/ip6_prefix) as a network: host bits cleared. */
const NETWORKS = new Set(['prefix', 'ip4_prefix', 'ip6_prefix']);
const asPapiShowsIt: Leaf = (e, raw) => {
  if (e.kind !== 'text' || !NETWORKS.has(e.vppType)) return raw;
  const text = TEXT_CODECS[e.format];
  const b = Buffer.alloc(text.size);
  text.write(b, 0, raw as string);
  const [addressAt, bits] =
    e.format === 'prefix' ? [1, b[0] === 0 ? 32 : 128] : [0, e.format === 'ip4_prefix' ? 32 : 128];
  const len = b[text.size - 1]!;
  for (let bit = len; bit < bits; bit++) b[addressAt + (bit >> 3)]! &= ~(0x80 >> (bit & 7));
  return text.read(b, 0);
};

function headerOf(rec: Record<string, unknown>, payload: Buffer): Header {
  const h: Header = { msgId: payload.readUInt16BE(0) };
  if (rec._0 !== undefined) assert.equal(rec._0, h.msgId, 'the recorded _0 is the message id');
  if (rec.context !== undefined) h.context = rec.context as number;
  if (rec.client_index !== undefined) h.clientIndex = rec.client_index as number;
  return h;
}

const captures = readdirSync(WIRE_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({ file, entries: JSON.parse(readFileSync(join(WIRE_DIR, file), 'utf8')) as Capture[] }));

const hostBitsDropped: string[] = [];

describe('frames captured from VPP 26.06', () => {
  it('are all there', () => {
    assert.equal(captures.length, 15);
    assert.equal(captures.flatMap((c) => c.entries.filter((e) => e.hex)).length, 51);
  });

  for (const { file, entries } of captures) {
    describe(file, () => {
      entries.forEach((entry, i) => {
        if (!entry.hex) return; // a note about what VPP did, not a frame
        it(`#${i} ${entry.dir} ${entry.msg}`, () => {
          const bytes = Buffer.from(entry.hex!, 'hex');
          const payload = bytes.subarray(FRAME_HEADER_SIZE);
          assert.equal(bytes.readUInt32BE(8), payload.length, 'the frame length');
          const mc = codec.message(entry.msg!);
          if (entry.msg_crc) assert.equal(mc.nameCrc, entry.msg_crc);
          if (entry.msg_id !== undefined) assert.equal(payload.readUInt16BE(0), entry.msg_id);
          const decoded = mc.decode(payload);
          if (entry.decoded) {
            const header = headerOf(entry.decoded, payload);
            const recorded = mapValue(mc.def, entry.decoded, fromPapi);
            assert.deepEqual(mapValue(mc.def, decoded.value, asPapiShowsIt), recorded);
            assert.equal(decoded.context, header.context);
            assert.equal(decoded.clientIndex, header.clientIndex);
            // a prefix with host bits set was recorded without them: the decoded value has them
            const exact = isDeepStrictEqual(decoded.value, recorded);
            if (!exact) hostBitsDropped.push(`${file} #${i}`);
            // VPP fills the first 8 header bytes with junk: compare from the length on
            const encoded = mc.encodeFrame(exact ? recorded : decoded.value, header);
            assert.deepEqual(encoded.subarray(8), bytes.subarray(8));
          } else {
            // recorded without decoded fields: it must still survive a round trip
            const header = { msgId: decoded.msgId, context: decoded.context, clientIndex: decoded.clientIndex };
            assert.deepEqual(mc.encode(decoded.value, header), payload);
          }
        });
      });
    });
  }

  it('lost host bits only where vpp_papi showed a prefix with host bits as a network', () => {
    assert.deepEqual(hostBitsDropped, ['l_ip_route_dump.json #7']);
  });

  it('decode the 64 KB message table with all 969 entries', () => {
    const reply = captures.find((c) => c.file === 'a_connect.json')!.entries[1]!;
    const payload = Buffer.from(reply.hex!, 'hex').subarray(FRAME_HEADER_SIZE);
    assert.ok(payload.length > 60_000);
    const { value, context } = codec.message('sockclnt_create_reply').decode(payload);
    const table = value.message_table as { index: number; name: string }[];
    assert.equal(table.length, 969);
    assert.equal(context, 124);
    assert.equal(value.index, 0x80000001);
    assert.ok(table.some((e) => e.name === 'control_ping_51077d14' && e.index === 23));
    assert.ok(table.every((e) => /^[a-z0-9_]+_[0-9a-f]{8}$/.test(e.name)));
  });

  it('know where the context is', () => {
    assert.equal(codec.message('show_version').contextOffset, 6);
    assert.equal(codec.message('show_version_reply').contextOffset, 2);
    assert.equal(codec.message('sockclnt_create_reply').contextOffset, 6);
    assert.equal(codec.message('control_ping_reply').contextOffset, 2);
    assert.equal(codec.message('sw_interface_event').contextOffset, -1);
  });
});

/**
 * Every request captured from a real VPP 26.06, replayed against a fresh
 * simulator in the order it was sent (with the simulator's ids and client
 * index), gets answers of the same shape: the same messages, the same fields
 * and, where the state is the same, the same values.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Decoded, Value } from '../codec/types.ts';
import { RawVpp } from '../../test/support/raw-vpp.ts';
import { loadApi, startSimulator, until } from '../../test/support/sim-harness.ts';
import { WIRE_DIR } from '../../test/support/paths.ts';
import type { VppSimulator } from './simulator.ts';

interface Capture {
  dir?: 'tx' | 'rx';
  msg?: string;
  msg_id?: number;
  hex?: string;
}

const { codec, model } = loadApi();
const CAPTURED_CLIENT_INDEX = 0x80000001;

const load = (file: string): Capture[] => JSON.parse(readFileSync(join(WIRE_DIR, file), 'utf8')) as Capture[];
const payloadOf = (c: Capture): Buffer => Buffer.from(c.hex!, 'hex').subarray(16);
const decode = (c: Capture): Decoded => codec.message(c.msg!).decode(payloadOf(c));

/** Fields whose values depend on the run, not on the state. */
const RUN_FIELDS: Record<string, string[]> = {
  control_ping_reply: ['vpe_pid'],
  show_version_reply: ['build_date'],
  cli_inband_reply: ['reply'],
  sockclnt_create_reply: ['message_table'],
};

/** The files in the order their requests were sent (by context); the raw facts come on their own connection. */
function sessionOrder(): string[] {
  const files = readdirSync(WIRE_DIR).filter(
    (f) => f.endsWith('.json') && f !== 'a_connect.json' && f !== 'm_raw_facts.json',
  );
  const firstContext = (f: string): number => decode(load(f).find((c) => c.dir === 'tx')!).context ?? 0;
  return files.sort((a, b) => firstContext(a) - firstContext(b));
}

/** The request as the simulator must see it: its ids, its client index. */
function replayed(c: Capture, sim: VppSimulator, clientIndex: number): Buffer {
  const d = decode(c);
  return codec.message(c.msg!).encode(d.value, {
    msgId: sim.messageId(c.msg!)!,
    context: d.context,
    clientIndex: d.clientIndex === CAPTURED_CLIENT_INDEX ? clientIndex : d.clientIndex,
  });
}

function assertSameShape(expected: Capture, got: Buffer, sim: VppSimulator): Decoded {
  const name = sim.table.nameOf[got.readUInt16BE(0)] ?? `id ${got.readUInt16BE(0)}`;
  assert.equal(name, expected.msg);
  const want = decode(expected);
  const have = codec.message(name).decode(got);
  assert.equal(have.context, want.context, `${name}: context`);
  assert.deepEqual(Object.keys(have.value).sort(), Object.keys(want.value).sort(), `${name}: fields`);
  const skip = RUN_FIELDS[name] ?? [];
  const strip = (v: Value): Value => Object.fromEntries(Object.entries(v).filter(([k]) => !skip.includes(k)));
  if (name !== 'ip_route_details') assert.deepEqual(strip(have.value), strip(want.value), `${name}: values`);
  return have;
}

const routeKey = (v: Value): string => String((v.route as Value).prefix);

describe('replaying the captured VPP exchanges', () => {
  let sim: VppSimulator;
  let raw: RawVpp;

  before(async () => {
    sim = await startSimulator();
  });
  after(() => sim.stop());

  it('a_connect: sockclnt_create gets the client index and a table with memclnt at its fixed ids', async () => {
    const [create, reply] = load('a_connect.json');
    raw = await RawVpp.connect(sim.socketPath, codec);
    raw.sendPayload(payloadOf(create!));
    const got = assertSameShape(reply!, await raw.next(), sim);
    assert.equal(got.value.response, 0);
    assert.equal(got.value.index, CAPTURED_CLIENT_INDEX);
    raw.clientIndex = got.value.index as number;
    const table = got.value.message_table as { index: number; name: string }[];
    assert.equal(table.length, model.messages.size);
    for (const e of table) {
      const i = e.name.lastIndexOf('_');
      assert.equal(model.messages.get(e.name.slice(0, i))?.crc, `0x${e.name.slice(i + 1)}`, e.name);
    }
    const ours = new Map(table.map((e) => [e.name, e.index]));
    const captured = decode(reply!).value.message_table as { index: number; name: string }[];
    const memclnt = captured.filter((e) => e.index <= 28);
    assert.equal(memclnt.length, 28);
    for (const e of memclnt) assert.equal(ours.get(e.name), e.index, e.name);
  });

  for (const file of sessionOrder())
    it(`${file}: the same answers`, async () => {
      const entries = load(file).filter((c) => c.dir);
      const routes: { want: Value[]; have: Value[] } = { want: [], have: [] };
      for (const c of entries) {
        if (c.dir === 'tx') {
          raw.sendPayload(replayed(c, sim, raw.clientIndex));
          continue;
        }
        const got = assertSameShape(c, await raw.next(), sim);
        if (c.msg === 'ip_route_details') {
          routes.want.push(decode(c).value);
          routes.have.push(got.value);
        }
        if (c.msg === 'cli_inband_reply')
          assert.match(String(got.value.reply), /^vpp v26\.06-release built by \S+ on \S+ at \S+\n$/);
      }
      // VPP lists a table in hash order; the routes themselves must be the same
      const byPrefix = (a: Value, b: Value): number => routeKey(a).localeCompare(routeKey(b));
      assert.deepEqual(routes.have.sort(byPrefix), routes.want.sort(byPrefix));
      if (file === 'j_keepalive_and_disconnect.json') {
        await raw.closed;
        await until(sim, ['disconnect'], () => sim.clients.length === 0);
      }
    });

  it('m_raw_facts: a wrong client index and a client keepalive get no answer', async () => {
    raw = await RawVpp.register(sim.socketPath, codec);
    assert.equal(raw.clientIndex, CAPTURED_CLIENT_INDEX, 'the freed registration is reused');
    const facts = load('m_raw_facts.json').filter((c) => c.dir === 'tx');
    for (const c of facts) {
      const d = decode(c);
      raw.sendPayload(
        codec.message(c.msg!).encode(d.value, {
          msgId: sim.messageId(c.msg!)!,
          context: d.context,
          clientIndex: d.clientIndex === 0 ? 0 : raw.clientIndex,
        }),
      );
    }
    // answers come in order: the ping's reply right after the one good show_version says nothing else came
    raw.send('control_ping', undefined, 500);
    const first = await raw.nextMessage();
    assert.equal(first.name, 'show_version_reply');
    assert.equal(first.msg.context, decode(facts[1]!).context);
    const second = await raw.nextMessage();
    assert.equal(second.name, 'control_ping_reply');
    assert.equal(second.msg.context, 500);
    raw.close();
  });
});

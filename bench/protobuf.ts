/**
 * lib/protobuf against protobufjs, on two messages of the VPP API: ops/s of
 * binary encode and decode and of JSON in and out, measured in the same run.
 * The baseline is protobufjs's encode, decode, fromObject, and toObject +
 * JSON.stringify. One more row checks toJson's design (writing the text
 * directly) against JSON.stringify alone of the finished JSON object, the
 * least that building an object first and stringifying it would cost.
 *   npx tsx bench/protobuf.ts
 */
import type protobuf from 'protobufjs';
import { compileBinary, compileJson, loadServiceRoot } from '../lib/protobuf/index.ts';
import { VPP_SAMPLES } from '../lib/protobuf/test-fixtures.ts';

const root = loadServiceRoot(new URL('../proto', import.meta.url).pathname);

// a reply VPP sends many of, and a request with nested lists
const samples = ['vpp.interface.SwInterfaceDetails', 'vpp.ip.IpRouteAddDel'].map((name) =>
  VPP_SAMPLES.find((s) => s.type === name)!,
);

/** Calls `fn` for about `ms` milliseconds and returns calls per second. */
function opsPerSecond(fn: () => unknown, ms: number): number {
  let calls = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 1000; i++) fn();
    calls += 1000;
    now = performance.now();
  }
  return (calls * 1000) / (now - start);
}

const ROUNDS = 5;
const ROUND_MS = 250;

const TO_OBJECT: protobuf.IConversionOptions = {
  longs: String,
  enums: String,
  bytes: String,
  defaults: true,
  arrays: true,
};

const fmt = (n: number): string => `${(n / 1000).toFixed(0).padStart(6)}k`;

console.log('operation'.padEnd(34), 'lib/protobuf'.padStart(12), 'protobufjs'.padStart(12), 'ratio'.padStart(7));
for (const { type, value } of samples) {
  const t = root.lookupType(type);
  const bin = compileBinary(t);
  const json = compileJson(t);
  const bytes = bin.encode(value);
  const text = json.toJson(value);
  const parsed = JSON.parse(text) as unknown;
  const pbMessage = t.decode(bytes);
  const rows: [string, () => unknown, () => unknown][] = [
    ['encode', () => bin.encode(value), () => t.encode(value).finish()],
    ['decode', () => bin.decode(bytes), () => t.decode(bytes)],
    ['fromJson', () => json.fromJson(parsed), () => t.fromObject(parsed as Record<string, unknown>)],
    ['toJson', () => json.toJson(value), () => JSON.stringify(t.toObject(pbMessage, TO_OBJECT))],
    ['toJson vs JSON.stringify alone', () => json.toJson(value), () => JSON.stringify(parsed)],
  ];
  console.log(`${type} (${bytes.length} bytes, ${text.length} JSON chars)`);
  for (const [name, ours, theirs] of rows) {
    // warm up both, then alternate rounds and keep each side's best: the machine's noise only ever slows a round down
    opsPerSecond(ours, 200);
    opsPerSecond(theirs, 200);
    let a = 0;
    let b = 0;
    for (let round = 0; round < ROUNDS; round++) {
      a = Math.max(a, opsPerSecond(ours, ROUND_MS));
      b = Math.max(b, opsPerSecond(theirs, ROUND_MS));
    }
    console.log(
      `  ${name.padEnd(32)} ${fmt(a).padStart(12)} ${fmt(b).padStart(12)} ${(a / b).toFixed(2).padStart(6)}x`,
    );
  }
}

/**
 * lib/protobuf against protobufjs and @bufbuild/protobuf, on two messages of
 * the VPP API: ops/s of binary encode and decode and of JSON in and out,
 * measured in the same run. protobufjs: encode, decode, fromObject, and
 * toObject + JSON.stringify. @bufbuild/protobuf: toBinary, fromBinary,
 * fromJson and toJsonString with the gateway's JSON options (proto field
 * names, every field), on descriptors `buf build` makes from proto/. One more
 * row checks toJson's design (writing the text directly) against
 * JSON.stringify alone of the finished JSON object, the least that building
 * an object first and stringifying it would cost.
 *   npx tsx bench/protobuf.ts
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createFileRegistry, fromBinary, fromJson, toBinary, toJsonString, type JsonValue } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import type protobuf from 'protobufjs';
import { PROJECT_ROOT } from '../lib/project.ts';
import { compileBinary, compileJson, loadServiceRoot } from '../lib/protobuf/index.ts';
import { VPP_SAMPLES } from '../lib/protobuf/test-fixtures.ts';

const PROTO_DIR = join(PROJECT_ROOT, 'proto');
const root = loadServiceRoot(PROTO_DIR);

// a reply VPP sends many of, and a request with nested lists
const samples = ['vpp.interface.SwInterfaceDetails', 'vpp.ip.IpRouteAddDel'].map((name) =>
  VPP_SAMPLES.find((s) => s.type === name)!,
);

// @bufbuild/protobuf works from descriptors: its generated code is descriptors too
const image = execFileSync(
  join(PROJECT_ROOT, 'node_modules/.bin/buf'),
  [
    'build',
    PROTO_DIR,
    '--path',
    join(PROTO_DIR, 'vpp/interface.proto'),
    '--path',
    join(PROTO_DIR, 'vpp/ip.proto'),
  ].concat(['-o', '-#format=binpb']),
  { maxBuffer: 64 * 1024 * 1024 },
);
const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, image));
const ES_JSON = { useProtoFieldName: true, alwaysEmitImplicit: true } as const;

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

const fmt = (n: number | undefined): string => (n === undefined ? '–' : `${(n / 1000).toFixed(0)}k`);
const ratio = (a: number, b: number | undefined): string => (b === undefined ? '–' : `${(a / b).toFixed(2)}x`);

/** ops/s of each function: warmed up, then rounds alternate and each keeps its best (noise only slows a round down) */
function race(fns: (() => unknown)[]): number[] {
  for (const fn of fns) opsPerSecond(fn, 200);
  const best = fns.map(() => 0);
  for (let round = 0; round < ROUNDS; round++)
    fns.forEach((fn, i) => (best[i] = Math.max(best[i]!, opsPerSecond(fn, ROUND_MS))));
  return best;
}

console.log(
  `${'operation'.padEnd(34)} ${'lib/protobuf'.padStart(12)} ${'protobufjs'.padStart(12)} ${'@bufbuild'.padStart(12)}` +
    ` ${'vs pbjs'.padStart(8)} ${'vs @bufbuild'.padStart(12)}`,
);
for (const { type, value } of samples) {
  const t = root.lookupType(type);
  const bin = compileBinary(t);
  const json = compileJson(t);
  const bytes = bin.encode(value);
  const text = json.toJson(value);
  const parsed = JSON.parse(text) as JsonValue;
  const pbMessage = t.decode(bytes);
  const schema = registry.getMessage(type);
  assert.ok(schema, `${type} is in the descriptors buf built`);
  const esMessage = fromBinary(schema, bytes);
  // the same work on both sides: @bufbuild's JSON reads back as ours does (it leaves out unset messages, ours writes null)
  assert.deepEqual(
    JSON.parse(toJsonString(schema, esMessage, ES_JSON)),
    JSON.parse(text, (_, v: unknown) => v ?? undefined),
  );

  const rows: [string, () => unknown, (() => unknown) | undefined, (() => unknown) | undefined][] = [
    ['encode', () => bin.encode(value), () => t.encode(value).finish(), () => toBinary(schema, esMessage)],
    ['decode', () => bin.decode(bytes), () => t.decode(bytes), () => fromBinary(schema, bytes)],
    [
      'fromJson',
      () => json.fromJson(parsed),
      () => t.fromObject(parsed as Record<string, unknown>),
      () => fromJson(schema, parsed),
    ],
    [
      'toJson',
      () => json.toJson(value),
      () => JSON.stringify(t.toObject(pbMessage, TO_OBJECT)),
      () => toJsonString(schema, esMessage, ES_JSON),
    ],
    ['toJson vs JSON.stringify alone', () => json.toJson(value), () => JSON.stringify(parsed), undefined],
  ];
  console.log(`${type} (${bytes.length} bytes, ${text.length} JSON chars)`);
  for (const [name, ours, pbjs, es] of rows) {
    const [a, b, c] = race([ours, pbjs, es].filter((f) => f !== undefined));
    console.log(
      `  ${name.padEnd(32)} ${fmt(a).padStart(12)} ${fmt(b).padStart(12)} ${fmt(c).padStart(12)}` +
        ` ${ratio(a!, b).padStart(8)} ${ratio(a!, c).padStart(12)}`,
    );
  }
}

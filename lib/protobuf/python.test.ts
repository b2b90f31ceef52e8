/**
 * Cross-checks with Python's protobuf (Debian's python3-protobuf, run as
 * /usr/bin/python3): Python reads our bytes and our JSON to the same message,
 * we read its bytes, and both print the same JSON where the two mappings
 * agree. Known differences: with default values included, Python leaves an
 * unset message field out where we (like grpc-gateway) print null; and
 * Python's JSON parser refuses 3.4028235e+38, the shortest text of the
 * largest float (which its own printer writes), where we read it back; and
 * it reads a JSON -0 in a double field as 0.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PROTO_DIR } from '../../test/support/paths.ts';
import { compileBinary } from './binary.ts';
import { compileJson } from './json.ts';
import { allSamples, EXTREME_SCALARS, PROBE_PROTO, TEST_PROTO } from './test-fixtures.ts';

const PYTHON = '/usr/bin/python3';
const PEER = fileURLToPath(new URL('./python-peer.py', import.meta.url));

function protoFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return protoFiles(path);
    return name.endsWith('.proto') ? [path] : [];
  });
}

/** protoc's Python output for proto/ and the test protos, in a fresh directory. */
function compileForPython(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pb-python-'));
  const src = join(dir, 'src');
  const out = join(dir, 'out');
  mkdirSync(join(src, 'pbtest'), { recursive: true });
  mkdirSync(join(src, 'probe'), { recursive: true });
  mkdirSync(out);
  // Debian's grpc_tools bundles protoc 3.5, older than proto3 `optional`: spell it as the one-member oneof it stands for
  writeFileSync(
    join(src, 'pbtest/test.proto'),
    TEST_PROTO.replace(/optional (\w+) (\w+) = (\d+);/g, 'oneof _$2 { $1 $2 = $3; }'),
  );
  writeFileSync(join(src, 'probe/probe.proto'), PROBE_PROTO);
  const files = [...protoFiles(PROTO_DIR).map((f) => relative(PROTO_DIR, f)), 'pbtest/test.proto', 'probe/probe.proto'];
  execFileSync(PYTHON, ['-m', 'grpc_tools.protoc', `-I${PROTO_DIR}`, `-I${src}`, `--python_out=${out}`, ...files]);
  return out;
}

interface Answer {
  hex?: string;
  json?: string;
  from_json_hex?: string;
  error?: string;
}

/** Our JSON without the null that stands for an unset message (Python leaves the field out). */
function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== null)
        .map(([k, x]) => [k, withoutNulls(x)]),
    );
  return v;
}

// not the largest float: Python prints it as 3.4028235e+38 and then refuses that text as too large
const cases = allSamples().map((c) =>
  c.value === EXTREME_SCALARS ? { ...c, value: { ...EXTREME_SCALARS, f: Math.fround(-3.4e38) } } : c,
);

describe("Python's protobuf agrees", () => {
  let answers: Answer[] = [];
  const ours = cases.map(({ type, value }) => ({
    hex: compileBinary(type).encode(value).toString('hex'),
    json: compileJson(type).toJson(value),
  }));

  before(() => {
    const modules = compileForPython();
    const request = {
      modules,
      cases: cases.map(({ type }, k) => ({ type: type.fullName.slice(1), ...ours[k]! })),
    };
    const output = execFileSync(PYTHON, [PEER], { input: JSON.stringify(request), maxBuffer: 64 << 20 });
    answers = JSON.parse(output.toString()) as Answer[];
  });

  cases.forEach(({ name, type, value }, k) => {
    it(`on ${name}`, () => {
      const answer = answers[k]!;
      assert.equal(answer.error, undefined);
      // Python parsed our bytes to exactly our message: it writes the same canonical bytes
      assert.equal(answer.hex, ours[k]!.hex);
      // Python parsed our JSON to the same message, and we read Python's bytes of it
      assert.equal(answer.from_json_hex, ours[k]!.hex);
      assert.deepEqual(compileBinary(type).decode(Buffer.from(answer.from_json_hex!, 'hex')), value);
      assert.deepEqual(JSON.parse(answer.json!), withoutNulls(JSON.parse(ours[k]!.json)));
    });
  });
});

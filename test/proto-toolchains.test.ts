/**
 * The generated protos are valid for real toolchains: buf builds them all,
 * Debian's Python grpc_tools compiles them, and ts-proto makes a module of
 * each (which `make typecheck-client`, part of `make test`, type-checks).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { PROTO_DIR, ROOT } from './support/paths.ts';
import { pythonStubs } from './support/python.ts';

const bin = (name: string): string => join(ROOT, 'node_modules/.bin', name);
const modules = readdirSync(join(PROTO_DIR, 'vpp')).filter((f) => f.endsWith('.proto'));

it('buf builds every proto', () => {
  const out = execFileSync(bin('buf'), ['build', PROTO_DIR, '-o', '-#format=json'], {
    maxBuffer: 512 * 1024 * 1024,
    encoding: 'utf8',
  });
  const image = JSON.parse(out) as { file: { name: string }[] };
  const names = new Set(image.file.map((f) => f.name));
  for (const m of modules) assert.ok(names.has(`vpp/${m}`), m);
});

it("Debian's Python grpc_tools compiles every proto", () => {
  const dir = pythonStubs();
  const made = readdirSync(join(dir, 'vpp'));
  for (const m of modules) {
    const base = m.replace(/\.proto$/, '');
    assert.ok(made.includes(`${base}_pb2.py`), base);
    assert.ok(made.includes(`${base}_pb2_grpc.py`), base);
  }
});

it('ts-proto makes a TypeScript module of every proto', () => {
  // make regenerates clients/typescript/generated/ from proto/ before the tests
  const generated = readdirSync(join(ROOT, 'clients/typescript/generated/vpp'));
  assert.deepEqual(generated.sort(), modules.map((m) => m.replace(/\.proto$/, '.ts')).sort());
});

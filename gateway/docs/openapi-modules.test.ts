import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../lib/project.ts';
import { moduleDocument, moduleNames } from './openapi-modules.ts';

type Doc = Parameters<typeof moduleDocument>[0];
const doc = JSON.parse(readFileSync(join(PROJECT_ROOT, 'openapi', 'openapi.json'), 'utf8')) as Doc;

/** every `$ref` of a JSON value */
const refs = (v: unknown): string[] =>
  Array.isArray(v)
    ? v.flatMap(refs)
    : v !== null && typeof v === 'object'
      ? Object.entries(v).flatMap(([k, x]) => (k === '$ref' && typeof x === 'string' ? [x] : refs(x)))
      : [];

describe('the OpenAPI document a module at a time', () => {
  const modules = moduleNames(doc);

  it('has a part for every tag with operations, Vpe first as VPP lists it', () => {
    assert.ok(modules.length > 100, `${modules.length} modules`);
    assert.equal(modules[0], 'Vpe');
    assert.equal(new Set(modules).size, modules.length);
  });

  it('splits the operations among the parts, each whole, and every $ref of a part resolves in it', () => {
    const seen = new Map<string, string>();
    for (const m of modules) {
      const part = moduleDocument(doc, m)!;
      assert.deepEqual(
        part.tags?.map((t) => t.name),
        [m],
      );
      assert.equal(part.openapi, doc.openapi);
      for (const [path, item] of Object.entries(part.paths!))
        for (const [method, op] of Object.entries(item)) {
          assert.deepEqual(op, doc.paths![path]![method], `${m}: ${method} ${path}`);
          seen.set(`${method} ${path}`, m);
        }
      for (const ref of refs(part)) {
        const [, , kind, name] = ref.split('/');
        assert.ok(part.components?.[kind!]?.[name!] !== undefined, `${m}: ${ref} does not resolve`);
      }
    }
    const all = Object.entries(doc.paths!).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((k) => k !== 'parameters' && k !== 'summary' && k !== 'description')
        .map((method) => `${method} ${path}`),
    );
    assert.deepEqual([...seen.keys()].sort(), all.sort());
  });

  it('keeps a module small: Vpe is a fraction of the whole', () => {
    const vpe = moduleDocument(doc, 'Vpe')!;
    assert.ok(vpe.paths!['/Vpe/ShowVersion/request']);
    const size = (d: unknown) => JSON.stringify(d).length;
    assert.ok(size(vpe) * 20 < size(doc), `Vpe: ${size(vpe)} bytes of ${size(doc)}`);
    assert.equal(moduleDocument(doc, 'NoSuchModule'), undefined);
  });
});

/** newman runs the generated Postman collection against the running stack; every test in it passes. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { ROOT } from './support/paths.ts';
import { startStack, type Stack } from './support/stack.ts';

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(() => stack?.stop());

interface NewmanReport {
  run: {
    stats: { requests: { total: number; failed: number }; assertions: { total: number; failed: number } };
    failures: { error: { message: string; test?: string }; source?: { name?: string } }[];
    executions: { item: { name: string }; assertions?: { assertion: string; error?: unknown }[] }[];
  };
}

it('passes every test of the Postman collection with newman', async () => {
  const report = join(mkdtempSync(join(tmpdir(), 'vpp-rpc-newman-')), 'report.json');
  const collection = join(ROOT, 'openapi/vpp-rpc.postman_collection.json');
  await new Promise<void>((resolve) =>
    execFile(
      join(ROOT, 'node_modules/.bin/newman'),
      [
        'run',
        collection,
        '--env-var',
        `baseUrl=${stack.rest}`,
        '--reporters',
        'cli,json',
        '--reporter-json-export',
        report,
        '--timeout-request',
        '10000',
        '--silent',
      ],
      { maxBuffer: 64 * 1024 * 1024, timeout: 300_000 },
      // newman exits non-zero on failed assertions: the report says which
      () => resolve(),
    ),
  );
  const r = (JSON.parse(readFileSync(report, 'utf8')) as NewmanReport).run;
  const total = (JSON.parse(readFileSync(collection, 'utf8')) as { item: { item: unknown[] }[] }).item.reduce(
    (n, f) => n + f.item.length,
    0,
  );
  assert.equal(r.stats.requests.total, total);
  assert.equal(r.stats.requests.failed, 0, 'requests that got no answer');
  assert.ok(r.stats.assertions.total >= 20, `only ${r.stats.assertions.total} assertions ran`);
  assert.deepEqual(
    r.failures.map((f) => `${f.source?.name}: ${f.error.test ?? ''} ${f.error.message}`),
    [],
  );
  // the batch folder's NDJSON requests ran, and their tests with them
  const batches = r.executions.filter((e) => e.item.name.endsWith('batch'));
  assert.deepEqual(
    batches.map((e) => e.item.name),
    ['ControlPing batch', 'Mixed batch'],
  );
  for (const e of batches)
    assert.ok((e.assertions ?? []).length >= 2 && e.assertions!.every((a) => !a.error), e.item.name);
});

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { PROJECT_ROOT } from '../../lib/project.ts';
import { loadProtoDir } from '../../vpp/api/load-proto.ts';
import { arrayCheck, limitArrays } from './array-limit.ts';
import { buildRpcTable } from '../rpcs.ts';

const { model, root } = loadProtoDir(join(PROJECT_ROOT, 'proto'));
const message = (name: string) => model.messages.get(name)!;
const path = (n: number) => ({ sw_if_index: 1, label_stack: Array.from({ length: n }, () => ({ label: 16 })) });

function refusal(f: () => void): { code: number; details: string } {
  try {
    f();
  } catch (e) {
    return e as { code: number; details: string };
  }
  assert.fail('expected INVALID_ARGUMENT');
}

describe('array cap', () => {
  it('names the field, nested ones by their path', () => {
    const check = arrayCheck(model, message('ip_route_add_del'), 2)!;
    check({ route: { paths: [path(2), path(2)] } });
    const paths = refusal(() => check({ route: { paths: [path(0), path(0), path(0)] } }));
    assert.equal(paths.code, status.INVALID_ARGUMENT);
    assert.equal(paths.details, 'route.paths: 3 elements are more than the 2 this server takes (--max-array-length)');
    const labels = refusal(() => check({ route: { paths: [path(1), path(3)] } }));
    assert.match(labels.details, /^route\.paths\[1\]\.label_stack: 3 elements/);
  });

  it("leaves alone what VPP's layout bounds already", () => {
    // paths: u8 n_paths (255), label_stack: 16
    assert.equal(arrayCheck(model, message('ip_route_add_del'), 255), undefined);
    // acl_add_replace.r: a u32 count
    assert.ok(arrayCheck(model, message('acl_add_replace'), 100_000));
  });

  it('wraps only the decoders that need it, and none when off', () => {
    const rpcs = buildRpcTable(root, model);
    const before = rpcs.map((r) => r.request);
    assert.equal(limitArrays(rpcs, model, 0), 0);
    assert.deepEqual(
      rpcs.map((r) => r.request),
      before,
    );
    const count = limitArrays(rpcs, model, 1000);
    assert.ok(count > 0 && count < rpcs.length / 2, String(count));
    const show = rpcs.find((r) => r.method === 'ShowVersion')!;
    assert.equal(show.request, before[rpcs.indexOf(show)]);
  });
});

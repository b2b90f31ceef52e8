import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { API_DIR } from '../../test/support/paths.ts';
import { loadApiDir } from '../../vpp/api/load-json.ts';
import { protoNames } from '../proto/naming.ts';
import { exampleOf, requestExample } from './examples.ts';
import { buildSchemas, type Schema } from './schemas.ts';

const model = loadApiDir(API_DIR);
const schemas = buildSchemas(model, protoNames(model));
const example = (name: string) => exampleOf(schemas[name]!, schemas);

describe('request examples', () => {
  it('use VPP defaults and the plainest valid values', () => {
    assert.deepEqual(example('vpp.interface.SwInterfaceDump'), {
      sw_if_index: 4294967295,
      name_filter_valid: false,
      name_filter: 'string',
    });
    assert.deepEqual(example('vpp.interface.CreateLoopback'), { mac_address: '02:fe:00:00:00:01' });
  });

  it("prefer VPP's enum values to the proto's synthetic zero", () => {
    assert.equal(example('vpp.interface_types.IfStatusFlags'), 'IF_STATUS_API_FLAG_ADMIN_UP');
    assert.equal(example('vpp.fib_types.FibPathType'), 'FIB_API_PATH_TYPE_NORMAL');
  });

  it('set the first arm of a oneof union and one entry of each list', () => {
    const punt = example('vpp.punt.PuntUnion') as Record<string, unknown>;
    assert.deepEqual(Object.keys(punt), ['exception']);
    const route = example('vpp.ip.IpRoute') as { paths: unknown[] };
    assert.equal(route.paths.length, 1);
  });

  it('fit strings, 64-bit integers and bytes to their schemas', () => {
    const tiny: Schema = { type: 'string', maxLength: 3 };
    assert.equal(exampleOf(tiny, schemas), 'str');
    assert.equal(exampleOf({ type: 'string', format: 'uint64', pattern: '^[0-9]+$' }, schemas), '0');
    assert.equal(exampleOf({ type: 'string', contentEncoding: 'base64' }, schemas), '');
    assert.equal(exampleOf({ type: 'integer', minimum: 5, maximum: 9 }, schemas), 5);
  });

  it('take the hand-picked example of a core call', () => {
    assert.deepEqual(requestExample('cli_inband', 'vpp.vlib.CliInband', schemas), { cmd: 'show version' });
    // not hand-picked: derived from the schema, whose default for a request's interface index is ~0
    assert.deepEqual(requestExample('delete_loopback', 'vpp.interface.DeleteLoopback', schemas), {
      sw_if_index: 4294967295,
    });
  });
});

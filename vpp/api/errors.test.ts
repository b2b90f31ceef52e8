import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { PROTO_DIR, SHARED } from '../../test/support/paths.ts';
import { loadErrorTable } from './errors.ts';

it('reads the whole VPP error table back from proto/', () => {
  const table = loadErrorTable(PROTO_DIR);
  const source = (JSON.parse(readFileSync(join(SHARED, 'vpp-errors.json'), 'utf8')) as { errors: unknown[] }).errors;
  assert.equal(table.size, source.length);
  assert.deepEqual(table.describe(-2), { retval: -2, symbol: 'INVALID_SW_IF_INDEX', text: 'Invalid sw_if_index' });
  assert.deepEqual(table.describe(-9), { retval: -9, symbol: 'UNIMPLEMENTED', text: 'Unimplemented' });
  assert.equal(table.retvalOf('EAGAIN'), -165);
  assert.deepEqual(table.describe(-99999), { retval: -99999, symbol: 'VPP_ERROR_-99999', text: 'VPP error -99999' });
});

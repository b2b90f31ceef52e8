import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadApi } from '../../test/support/sim-harness.ts';
import { buildMessageTable, moduleOrder } from './ids.ts';

const { model } = loadApi();

describe('the simulated message table', () => {
  it("numbers memclnt's messages from 1 in file order", () => {
    const { idOf } = buildMessageTable(model, { seed: 0 });
    const memclnt = model.modules.find((m) => m.name === 'memclnt')!;
    memclnt.messages.forEach((m, i) => assert.equal(idOf.get(m.name), i + 1, m.name));
    assert.deepEqual(
      ['sockclnt_create', 'sockclnt_create_reply', 'sockclnt_delete', 'memclnt_keepalive', 'control_ping'].map((n) =>
        idOf.get(n),
      ),
      [15, 16, 17, 21, 23],
    );
  });

  it('gives every module one block of consecutive ids, in its file order, and every message a name with its CRC', () => {
    const { idOf, nameOf, entries } = buildMessageTable(model, { seed: 3 });
    assert.equal(entries.length, model.messages.size);
    for (const mod of model.modules) {
      const ids = mod.messages.map((m) => idOf.get(m.name)!);
      ids.forEach((id, i) => assert.equal(id, ids[0]! + i, `${mod.name}.${mod.messages[i]!.name}`));
    }
    for (const e of entries) {
      assert.equal(nameOf[e.index], e.name.slice(0, e.name.lastIndexOf('_')));
      assert.equal(`0x${e.name.slice(e.name.lastIndexOf('_') + 1)}`, model.messages.get(nameOf[e.index]!)!.crc);
    }
  });

  it('orders the blocks by seed: alphabetical for 0, the same for the same seed, another for another', () => {
    const names = (seed: number): string[] => moduleOrder(model, seed).map((m) => m.name);
    const rest = model.modules.map((m) => m.name).filter((n) => n !== 'memclnt');
    assert.deepEqual(names(0), ['memclnt', ...[...rest].sort((a, b) => a.localeCompare(b))]);
    assert.deepEqual(names(7), names(7));
    assert.notDeepEqual(names(7), names(8));
    assert.equal(names(8)[0], 'memclnt');
  });

  it('leaves out omitted messages and announces changed CRCs', () => {
    const full = buildMessageTable(model, { seed: 0 });
    const t = buildMessageTable(model, { seed: 0, omit: ['show_version'], crc: { control_ping: '0x00000001' } });
    assert.equal(t.idOf.has('show_version'), false);
    assert.equal(t.idOf.get('show_version_reply'), full.idOf.get('show_version_reply'), 'other ids stay put');
    assert.ok(t.entries.some((e) => e.name === 'control_ping_00000001'));
    assert.equal(t.entries.length, model.messages.size - 1);
  });
});

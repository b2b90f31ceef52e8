/**
 * Messages VPP sends on a call's context that do not belong to the call are
 * never dropped unseen: logged at warn, announced for the metrics, and a reply
 * the service does not declare (mactime_dump_reply) kept for the caller.
 * The simulator sends them as VPP 26.06 does.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientPool, simulatorPool } from '../../test/support/sim-harness.ts';
import type { UnexpectedMessage } from './client.ts';
import type { Log } from './log.ts';

const { fresh } = simulatorPool();
const connect = clientPool();

/** A client whose warnings and unexpected messages are kept. */
async function watched() {
  const { sim, vpp } = await fresh({});
  vpp.close();
  const warnings: { obj: object; msg: string | undefined }[] = [];
  const nothing = (): void => {};
  const log: Log = { debug: nothing, info: nothing, error: nothing, warn: (obj, msg) => warnings.push({ obj, msg }) };
  const client = await connect(sim, { log });
  const unexpected: UnexpectedMessage[] = [];
  client.on('unexpected', (u) => unexpected.push(u));
  return { sim, client, warnings, unexpected };
}

describe('messages that do not belong to their call', () => {
  it('igmp_group_prefix_dump: details under igmp_details id are logged and announced', async () => {
    const { sim, client, warnings, unexpected } = await watched();
    const details = [];
    for await (const d of client.dump('igmp_group_prefix_dump', {})) details.push(d);
    assert.deepEqual(details, []);
    const id = sim.table.idOf.get('igmp_details');
    assert.deepEqual(unexpected, [{ request: 'igmp_group_prefix_dump', message: 'igmp_details', msgId: id }]);
    assert.deepEqual(warnings, [{ obj: unexpected[0], msg: 'VPP sent a message that does not belong to the call' }]);
  });

  it('mactime_dump: the undeclared reply reaches the caller; NO_CHANGE is no failure', async () => {
    const { client, unexpected } = await watched();
    const dump = client.dump('mactime_dump', {});
    const details = [];
    for await (const d of dump) details.push(d);
    assert.deepEqual(details, []);
    assert.deepEqual(dump.reply, { message: 'mactime_dump_reply', value: { retval: -160, table_epoch: 0 } });
    assert.equal(unexpected[0]?.message, 'mactime_dump_reply');
    assert.equal(unexpected[0]?.retval, -160);

    const other = client.dump('mactime_dump', { my_table_epoch: 7 });
    for await (const _ of other) assert.fail('no devices');
    assert.deepEqual(other.reply, { message: 'mactime_dump_reply', value: { retval: 0, table_epoch: 0 } });
  });
});

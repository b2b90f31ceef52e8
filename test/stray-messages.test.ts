/**
 * Messages VPP sends on a call's context that do not belong to the call
 * (igmp_group_prefix_dump answers with igmp_details' id; mactime_dump adds a
 * mactime_dump_reply its service does not declare): logged at warn, counted
 * in the server's metrics, and the undeclared reply given to the caller in
 * the trailing metadata `vpp-reply`. Against the simulator (which sends them
 * as VPP does) and a real VPP.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Client, credentials, Metadata, status, type StatusObject } from '@grpc/grpc-js';
import { post } from './support/http.ts';
import { scrape } from './support/observe.ts';
import { forEachBackend, stackFor } from './support/backends.ts';
import type { Stack } from './support/stack.ts';

/** A server-streaming call with a request already encoded; its messages and final status. */
function rawStream(stack: Stack, path: string, request: Buffer): Promise<{ count: number; status: StatusObject }> {
  const client = new Client(stack.grpcTarget, credentials.createInsecure());
  const id = (b: Buffer): Buffer => b;
  return new Promise((resolve) => {
    let count = 0;
    const call = client.makeServerStreamRequest(path, id, id, request, new Metadata());
    call.on('data', () => count++);
    call.on('error', () => {});
    call.on('status', (s: StatusObject) => {
      client.close();
      resolve({ count, status: s });
    });
  });
}

/** `my_table_epoch` (field 3, varint) as protobuf bytes; 0 is the empty message. */
const epochRequest = (epoch: number): Buffer => (epoch === 0 ? Buffer.alloc(0) : Buffer.from([0x18, epoch]));

function strayCases(stack: () => Stack): void {
  it('logs and counts igmp_details sent for igmp_group_prefix_dump', async () => {
    const s = stack();
    const r = await post(`${s.rest}/Igmp/IgmpGroupPrefixDump/request`, {});
    assert.equal(r.status, 200, r.text);
    const metrics = await scrape(s.serverMetricsPort);
    const key = 'vpp_rpc_vpp_unexpected_messages_total{request="igmp_group_prefix_dump",message="igmp_details"}';
    assert.ok((metrics.get(key) ?? 0) >= 1, [...metrics.keys()].filter((k) => k.includes('unexpected')).join('\n'));
    const warn = s.server.lines.find((l) => l.includes('does not belong to the call') && l.includes('igmp_details'));
    assert.ok(warn, 'a warning names the stray');
    const rec = JSON.parse(warn) as Record<string, unknown>;
    assert.equal(rec.level, 40);
    assert.equal(rec.request, 'igmp_group_prefix_dump');
    assert.equal(typeof rec.msgId, 'number');
  });

  it('gives mactime_dump_reply to the caller, and NO_CHANGE is no failure', async () => {
    const s = stack();
    const first = await rawStream(s, '/vpp.mactime.Mactime/MactimeDump', epochRequest(0));
    assert.equal(first.status.code, status.OK, first.status.details);
    const [text] = first.status.metadata.get('vpp-reply');
    const reply = JSON.parse(String(text)) as { message: string; retval: number; table_epoch: number };
    assert.equal(reply.message, 'mactime_dump_reply');
    assert.equal(typeof reply.table_epoch, 'number');
    // asked with an epoch other than the table's, VPP answers with the table and retval 0
    const other = await rawStream(s, '/vpp.mactime.Mactime/MactimeDump', epochRequest(reply.table_epoch + 1));
    assert.equal(other.status.code, status.OK, other.status.details);
    const again = JSON.parse(String(other.status.metadata.get('vpp-reply')[0])) as { retval: number };
    assert.equal(again.retval, 0);
    if (reply.table_epoch === 0) assert.equal(reply.retval, -160, 'an empty table is epoch 0: nothing changed');
    const rest = await post(`${s.rest}/Mactime/MactimeDump/request`, {});
    assert.equal(rest.status, 200, rest.text);
    const metrics = await scrape(s.serverMetricsPort);
    assert.ok(
      (metrics.get('vpp_rpc_vpp_unexpected_messages_total{request="mactime_dump",message="mactime_dump_reply"}') ??
        0) >= 3,
    );
  });
}

forEachBackend('stray messages', (backend) => strayCases(stackFor(backend)));

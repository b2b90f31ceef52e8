/**
 * The journal when the server is killed (SIGKILL) in the middle of a
 * 100,000-item batch: every write whose answer the client received is in the
 * journal after the restart, and a replay into a new VPP restores exactly those.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forEachBackend, stackFor } from './support/backends.ts';
import { exportJournal, grpcBatch, requestBytes, rest, untilReplayed } from './support/journal.ts';
import { untilReady } from './support/ready.ts';

forEachBackend('journal, the server killed', (backend) => {
  describe('the server killed in the middle of a batch', () => {
    const stack = stackFor(backend);

    it('keeps every write whose answer left, and the replay restores exactly what it kept', async () => {
      const s = stack();
      await rest(s, 'Ip/IpTableAddDel', { is_add: true, table: { table_id: 7 } });
      const acknowledged = new Set<string>();
      const prefix = (i: number): string => `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`;
      let killed = false;
      const total = 100_000;
      const run = await grpcBatch(
        s.grpcTarget,
        (function* () {
          for (let i = 0; i < total; i++)
            yield {
              id: i,
              rpc: 'Ip/IpRouteAddDel',
              value: requestBytes('vpp.ip.IpRouteAddDel', {
                is_add: true,
                route: {
                  table_id: 7,
                  prefix: prefix(i),
                  paths: [{ sw_if_index: 4294967295, nh: { address: { ip4: '192.0.2.1' } } }],
                },
              }),
            };
        })(),
        (a) => {
          if (!a.error) acknowledged.add(prefix(Number(a.id)));
          if (!killed && acknowledged.size >= 20_000) {
            killed = true;
            s.server.proc.kill('SIGKILL');
          }
        },
      );
      assert.ok(killed && acknowledged.size < total, `the server was killed mid-batch (${acknowledged.size} answers)`);
      assert.notEqual(run.code, 0);
      await s.restartServer();
      await untilReady(s);

      const kept = new Set(
        (await exportJournal(s))
          .filter((l) => l.rpc === 'Ip/IpRouteAddDel')
          .map((l) => (l.request as { route: { prefix: string } }).route.prefix),
      );
      const lost = [...acknowledged].filter((p) => !kept.has(p));
      assert.deepEqual(lost, [], `${lost.length} acknowledged writes are not in the journal`);
      console.log(`# ${acknowledged.size} answers received, ${kept.size} writes kept`);

      const killedAt = Date.now();
      await s.killVpp();
      await s.startVpp();
      await untilReplayed(s, killedAt);
      const routes = (await (
        await fetch(`${s.rest}/Ip/IpRouteDump/request`, {
          method: 'POST',
          body: JSON.stringify({ table: { table_id: 7 } }),
        })
      ).json()) as { route: { prefix: string; paths: { type: string }[] } }[];
      const restored = new Set(routes.filter((r) => r.route.prefix.startsWith('198.')).map((r) => r.route.prefix));
      assert.deepEqual([...restored].sort(), [...kept].sort());
    });
  });
});

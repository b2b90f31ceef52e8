/**
 * The journal end to end: a node configured through REST, gRPC and batches,
 * VPP killed and started again, and the configuration back after the replay,
 * also when VPP restarts again mid-replay; a restart of the server alone. The
 * server killed in the middle of a batch: journal-server-kill.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forEachBackend, stackFor } from './support/backends.ts';
import {
  configurationOf,
  configureNode,
  exportJournal,
  grpcBatch,
  journalStatus,
  requestBytes,
  rest,
  untilReplayed,
} from './support/journal.ts';
import { scrape, waitFor } from './support/observe.ts';
import { untilReady } from './support/ready.ts';

const ROUTES = 10_000;
/** route pairs (an add, then its delete) of the churn test */
const CHURN = 1000;

forEachBackend('journal', (backend) => {
  // ACLs, bridge domains and tunnels: the simulator has them as VPP does
  const withPlugins = true;

  describe('VPP killed and started again', () => {
    const stack = stackFor(backend);

    it('puts back every interface, address, route, ACL, bridge domain and tunnel', async () => {
      const s = stack();
      await configureNode(s, ROUTES, withPlugins);
      const before = await configurationOf(s, withPlugins);
      const entries = Number((await journalStatus(s)).entries);
      assert.ok(entries > ROUTES, `entries: ${entries}`);

      const killedAt = Date.now();
      await s.killVpp();
      await s.startVpp();
      const status = await untilReplayed(s, killedAt);
      const report = status.last_replay as { items: string; failed_count: string; failed: unknown[] };
      assert.equal(Number(report.items), entries);
      assert.equal(Number(report.failed_count), 0, JSON.stringify(report.failed.slice(0, 3)));
      assert.deepEqual(await configurationOf(s, withPlugins), before);
      console.log(
        `# replayed ${report.items} entries in ${Math.round(Number((status.last_replay as { duration_ms: number }).duration_ms))} ms`,
      );

      // the objects' new numbers are the journal's from now on: a write naming one is kept against it
      const loop = (await rest(s, 'Interface/CreateLoopback')).sw_if_index;
      await rest(s, 'Interface/SwInterfaceSetFlags', { sw_if_index: loop, flags: ['IF_STATUS_API_FLAG_ADMIN_UP'] });
      const lines = await exportJournal(s);
      const flags = lines.at(-1)!;
      assert.deepEqual((flags.refs as { item: number }[])[0]!.item, lines.at(-2)!.id);
    });

    it('replays nothing when only the server restarts', async () => {
      const s = stack();
      const status = await journalStatus(s);
      await s.server.kill();
      await s.restartServer();
      await untilReady(s);
      const again = await journalStatus(s);
      assert.equal(again.entries, status.entries);
      assert.equal(again.last_replay, null);
      const metrics = await scrape(s.serverMetricsPort);
      assert.equal(metrics.get('vpp_rpc_journal_replays_total'), 0);
      assert.equal(metrics.get('vpp_rpc_journal_entries'), Number(status.entries));
    });

    it('replays again from the start when VPP restarts in the middle of a replay', async () => {
      const s = stack();
      const entries = Number((await journalStatus(s)).entries);
      const before = await configurationOf(s, withPlugins);
      await s.killVpp();
      await s.startVpp();
      // caught in the act: the journal says it replays, and writes wait
      await waitFor(
        'a replay under way',
        async () => {
          const st = await journalStatus(s);
          return st.state === 'replaying' && Number(st.replay_done) > 0;
        },
        60_000,
      );
      const refused = await fetch(`${s.rest}/Interface/CreateLoopback/request`, { method: 'POST' });
      assert.equal(refused.status, 503);
      assert.match(await refused.text(), /the journal is putting its configuration back/);
      const ready = await fetch(`${s.rest}/readyz`);
      assert.equal(ready.status, 503);
      assert.equal(((await ready.json()) as { vpp: string }).vpp, 'replaying');

      const secondKill = Date.now();
      await s.killVpp();
      await s.startVpp();
      const status = await untilReplayed(s, secondKill);
      const report = status.last_replay as { items: string; failed_count: string };
      assert.equal(Number(report.items), entries);
      assert.equal(Number(report.failed_count), 0);
      assert.deepEqual(await configurationOf(s, withPlugins), before);
    });

    it('forgets routes added then deleted, and its file shrinks back once writes pause', async () => {
      const s = stack();
      const before = await journalStatus(s);
      const appendsBefore = (await scrape(s.serverMetricsPort)).get('vpp_rpc_journal_appends_total')!;
      const route = (i: number, isAdd: boolean): Uint8Array =>
        requestBytes('vpp.ip.IpRouteAddDel', {
          is_add: isAdd,
          route: {
            table_id: 7,
            prefix: `192.168.${i >> 8}.${i & 255}/32`,
            paths: [{ sw_if_index: 0xffffffff, nh: { address: { ip4: '192.0.2.1' } } }],
          },
        });
      const run = await grpcBatch(
        s.grpcTarget,
        (function* () {
          for (let i = 0; i < 2 * CHURN; i++)
            yield { id: i + 1, rpc: 'Ip/IpRouteAddDel', value: route(i >> 1, i % 2 === 0) };
        })(),
      );
      assert.equal(run.answers.filter((a) => a.error).length, 0, JSON.stringify(run.answers.find((a) => a.error)));
      assert.equal((await scrape(s.serverMetricsPort)).get('vpp_rpc_journal_appends_total'), appendsBefore + 2 * CHURN);
      // the records of the pairs stay in the file until it is rewritten, once no write has come for a while
      let after = before;
      await waitFor(
        'the journal file rewritten',
        async () => Number((after = await journalStatus(s)).bytes) <= Number(before.bytes),
        30_000,
        100,
      );
      assert.equal(after.entries, before.entries);
      assert.equal(after.live_bytes, before.live_bytes);
    });
  });
});

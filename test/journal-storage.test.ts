/**
 * The journal's file when things go wrong: a torn last record, a state
 * directory that cannot be written, a disk that fills up while appending.
 * The server runs as a separate process; a read-only or tiny file system is
 * a tmpfs mounted in a mount namespace of its own (unshare), so nothing
 * outside the test sees it.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FILE_MAGIC } from '../server/journal/file-store.ts';
import { encodeEntry, scanRecords } from '../server/journal/record.ts';
import { post } from './support/http.ts';
import { dump, exportJournal, journalStatus, rest, restBatch } from './support/journal.ts';
import { waitFor } from './support/observe.ts';
import { untilReady } from './support/ready.ts';
import { startStack } from './support/stack.ts';

/** The server in a mount namespace where its state directory is a new tmpfs (`options`), after `then` ran in it. */
const tmpfsWrap = (stateDir: string, options: string, then = 'true'): string[] => [
  'unshare',
  '--mount',
  '--propagation',
  'private',
  'sh',
  '-c',
  `mount -t tmpfs -o ${options} vpp-rpc-state "$0" && ${then} && exec "$@"`,
  stateDir,
];

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const stateDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'vpp-rpc-state-'));
  dirs.push(d);
  return d;
};

const route = (i: number, is_add = true): Record<string, unknown> => ({
  is_add,
  route: {
    table_id: 7,
    prefix: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`,
    paths: [{ sw_if_index: 4294967295, nh: { address: { ip4: '192.0.2.1' } } }],
  },
});

describe('journal storage', () => {
  it('drops a torn last record at start, with a warning, and keeps the rest', async () => {
    const stack = await startStack();
    try {
      await untilReady(stack);
      for (let i = 0; i < 3; i++) await rest(stack, 'Interface/CreateLoopback');
      await stack.server.kill();
      // the server died while writing the next record: half of it reached the disk
      const torn = encodeEntry({
        seq: 99,
        rpc: '/vpp.interface.Interface/CreateLoopback',
        request: Buffer.alloc(4),
        refs: [],
        allocated: undefined,
      });
      appendFileSync(join(stack.stateDir, 'journal'), torn.subarray(0, 13));
      const server = await stack.restartServer();
      await untilReady(stack);
      const warning = server.lines.find((l) => l.includes('torn last record'));
      assert.ok(warning, 'the server says it dropped a torn record');
      assert.match(warning, /"level":40/);
      assert.equal((await journalStatus(stack)).entries, '3');
      await rest(stack, 'Interface/CreateLoopback');
      assert.equal((await exportJournal(stack)).length, 4);
    } finally {
      await stack.stop();
    }
  });

  it('keeps no write VPP refused, also once the server starts again', async () => {
    const stack = await startStack();
    try {
      await untilReady(stack);
      await rest(stack, 'Ip/IpTableAddDel', { is_add: true, table: { table_id: 7 } });
      await rest(stack, 'Ip/IpRouteAddDel', route(1));
      // one at a time, as a lone client writes: each is kept while VPP works on it, then undone when VPP refuses
      for (const [call, body] of [
        ['Interface/SwInterfaceSetFlags', { sw_if_index: 4000, flags: ['IF_STATUS_API_FLAG_ADMIN_UP'] }],
        ['Interface/SwInterfaceAddDelAddress', { sw_if_index: 4000, is_add: true, prefix: '192.0.2.9/24' }],
      ] as const) {
        const r = await post(`${stack.rest}/${call}/request`, body);
        assert.notEqual(r.status, 200, `${call}: ${r.text}`);
        assert.match(r.text, /INVALID_SW_IF_INDEX|-2\b/, r.text);
      }
      await rest(stack, 'Ip/IpRouteAddDel', route(3));
      const kept = async (): Promise<string[]> =>
        (await exportJournal(stack)).map((l) =>
          l.rpc === 'Ip/IpRouteAddDel' ? (l.request as { route: { prefix: string } }).route.prefix : String(l.rpc),
        );
      const expected = ['Ip/IpTableAddDel', '10.0.0.1/32', '10.0.0.3/32'];
      assert.deepEqual(await kept(), expected);
      assert.equal((await journalStatus(stack)).entries, '3');
      // on disk, a refused write is either absent or undone by a VOID record after it
      const records = scanRecords(readFileSync(join(stack.stateDir, 'journal')), FILE_MAGIC.length).records;
      const voided = new Set(records.flatMap((r) => (r.type === 'void' ? [r.seq] : [])));
      const refusedOnDisk = records.filter((r) => r.type === 'entry' && r.entry.rpc.startsWith('/vpp.interface.'));
      for (const r of refusedOnDisk) assert.ok(r.type === 'entry' && voided.has(r.entry.seq), JSON.stringify(r));
      console.log(`# ${refusedOnDisk.length} of the 2 refused writes were written before VPP answered, then voided`);

      await stack.server.kill();
      await stack.restartServer();
      await untilReady(stack);
      assert.deepEqual(await kept(), expected);
      assert.equal((await journalStatus(stack)).entries, '3');
    } finally {
      await stack.stop();
    }
  });

  it('keeps its entries on disk through replays made at start (VPP and server restarted together, twice)', async () => {
    const stack = await startStack();
    try {
      await untilReady(stack);
      for (let i = 0; i < 3; i++) await rest(stack, 'Interface/CreateLoopback');
      for (let round = 1; round <= 2; round++) {
        // a host that restarts: the server and VPP go, a fresh VPP and the server come back
        await stack.server.kill();
        stack.sim!.proc.kill('SIGKILL');
        await stack.sim!.exited;
        await stack.restartSim();
        await stack.restartServer();
        await untilReady(stack);
        const status = await journalStatus(stack);
        assert.equal(status.entries, '3', `round ${round}`);
        assert.equal((status.last_replay as { items: string }).items, '3', `round ${round}`);
        assert.equal(
          (await dump(stack, 'Interface/SwInterfaceDump')).length,
          4,
          `round ${round}: local0 and 3 loopbacks`,
        );
      }
    } finally {
      await stack.stop();
    }
  });

  it('does not start on a state directory it cannot write, and says why', async () => {
    const dir = stateDir();
    await assert.rejects(startStack({ stateDir: dir, serverWrap: tmpfsWrap(dir, 'ro,size=1m') }), (e: Error) => {
      assert.match(e.message, /server exited with 1 before it was ready/);
      assert.match(e.message, /cannot open the journal .*read-only file system/);
      return true;
    });
  });

  it('refuses writes it cannot keep when the disk is full, loses none it answered, and recovers', async () => {
    const dir = stateDir();
    const stack = await startStack({
      stateDir: dir,
      serverWrap: tmpfsWrap(dir, 'size=256k', 'head -c 131072 /dev/zero > "$0/filler"'),
    });
    // the server's view of its state directory, in its own mount namespace
    const seen = (file: string): string => `/proc/${stack.server.proc.pid}/root${dir}/${file}`;
    try {
      await untilReady(stack);
      await rest(stack, 'Ip/IpTableAddDel', { is_add: true, table: { table_id: 7 } });
      const answers = await restBatch(
        stack,
        'Ip/IpRouteAddDel',
        Array.from({ length: 3000 }, (_, i) => route(i)),
      );
      const ok = answers.flatMap((a, i) => (a.retval === 0 ? [i] : []));
      const failed = answers.filter((a) => a.code !== undefined) as { code: number; message: string }[];
      assert.ok(ok.length > 0 && failed.length > 0, `${ok.length} kept, ${failed.length} refused`);
      // the first writes the journal could not keep were carried out by VPP, and say so
      assert.equal(failed[0]!.code, 13);
      assert.match(failed[0]!.message, /the journal could not keep it \(.*no space left on device/i);
      // after that, writes are refused before they reach VPP
      const refused = failed.filter((f) => f.code === 14);
      assert.ok(refused.length > 0);
      assert.match(refused[0]!.message, /the journal cannot be written .*writes are refused until it can/);
      // reads are served
      assert.equal((await rest(stack, 'Vpe/ShowVersion')).retval, 0);

      // every answered write is kept, and nothing else of these routes
      const kept = (await exportJournal(stack)).filter((l) => l.rpc === 'Ip/IpRouteAddDel');
      assert.deepEqual(
        kept.map((l) => (l.request as { route: { prefix: string } }).route.prefix),
        ok.map((i) => (route(i).route as { prefix: string }).prefix),
      );

      // room again: the journal notices, and takes writes
      rmSync(seen('filler'));
      await waitFor(
        'writes taken again',
        async () => (await fetch(`${stack.rest}/Interface/CreateLoopback/request`, { method: 'POST' })).status === 200,
        60_000,
      );
      const status = await journalStatus(stack);
      assert.equal(status.state, 'ready');
      // the file holds whole records only, and reads back as what the journal serves
      const file = readFileSync(seen('journal'));
      const scan = scanRecords(file, FILE_MAGIC.length);
      assert.equal(scan.problem, undefined);
      assert.equal(scan.validBytes, file.length);
      assert.ok(scan.records.filter((r) => r.type === 'entry').length >= Number(status.entries));
    } finally {
      await stack.stop();
    }
  });
});

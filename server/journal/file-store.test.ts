import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FILE_MAGIC, FileStore, JOURNAL_FILE } from './file-store.ts';
import { encodeEntry, encodeInstance, encodeVoid, scanRecords, type JournalEntry } from './record.ts';
import { JournalStoreError } from './store.ts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'vpp-rpc-journal-'));
  dirs.push(d);
  return d;
};

const entry = (seq: number, extra: Partial<JournalEntry> = {}): JournalEntry => ({
  seq,
  rpc: '/vpp.ip.Ip/IpRouteAddDel',
  request: Buffer.from(`request ${seq}`),
  refs: [],
  allocated: undefined,
  ...extra,
});

const append = (store: FileStore, entries: JournalEntry[], instance?: Buffer): Promise<Error | undefined> =>
  new Promise((resolve) =>
    store.append(
      {
        entries: entries.map((e) => ({ seq: e.seq, bytes: encodeEntry(e) })),
        forget: [],
        ...(instance ? { instance } : {}),
      },
      resolve,
    ),
  );

describe('journal records', () => {
  it('read back as written', () => {
    const e = entry(2 ** 40 + 7, {
      refs: [{ path: ['route', 'paths', 0, 'sw_if_index'], owner: 3, field: 'sw_if_index' }],
      allocated: { sw_if_index: 9 },
    });
    const bytes = Buffer.concat([encodeEntry(e), encodeInstance({ boottime: 1.5e9, pid: 42 }), encodeEntry(entry(1))]);
    const scan = scanRecords(bytes);
    assert.equal(scan.problem, undefined);
    assert.equal(scan.validBytes, bytes.length);
    assert.deepEqual(scan.records[0], { type: 'entry', entry: e });
    assert.deepEqual(scan.records[1], { type: 'instance', instance: { boottime: 1.5e9, pid: 42 } });
    assert.deepEqual(scanRecords(encodeVoid(2 ** 40 + 7)).records, [{ type: 'void', seq: 2 ** 40 + 7 }]);
  });

  it('tell a torn last record from damage in the middle', () => {
    const first = encodeEntry(entry(1));
    const last = encodeEntry(entry(2));
    for (let cut = 1; cut < last.length; cut++) {
      const scan = scanRecords(Buffer.concat([first, last.subarray(0, cut)]));
      assert.equal(scan.records.length, 1, `cut at ${cut}`);
      assert.equal(scan.validBytes, first.length);
      assert.equal(scan.problem?.torn, true, `cut at ${cut}`);
    }
    // a whole record whose bytes never reached the disk
    const zeros = scanRecords(Buffer.concat([first, Buffer.alloc(last.length)]));
    assert.equal(zeros.problem?.torn, true);
    // one flipped byte, with whole records after it: damage, not a crash
    const flipped = Buffer.concat([first, last, encodeEntry(entry(3))]);
    flipped[first.length + 12]! ^= 0xff;
    const damaged = scanRecords(flipped);
    assert.equal(damaged.records.length, 1);
    assert.equal(damaged.problem?.torn, false);
    assert.match(damaged.problem!.reason, /checksum/);
  });
});

describe('journal file', () => {
  it('keeps what was appended, in order, across opens', async () => {
    const dir = tempDir();
    const store = new FileStore(dir);
    assert.deepEqual((await store.open()).records, []);
    const results = await Promise.all([
      append(store, [entry(1), entry(2)]),
      append(store, [entry(3)], encodeInstance({ boottime: 5, pid: 6 })),
    ]);
    assert.deepEqual(results, [undefined, undefined]);
    await append(store, [entry(4)]);
    const size = store.bytes;
    await store.close();
    assert.equal(statSync(join(dir, JOURNAL_FILE)).size, size);
    const again = new FileStore(dir);
    const opened = await again.open();
    assert.deepEqual(
      opened.records.map((r) => (r.type === 'entry' ? r.entry.seq : 'instance')),
      [1, 2, 3, 'instance', 4],
    );
    await again.close();
  });

  it('writes at once when nothing else is being written, and waits its turn otherwise', async () => {
    const dir = tempDir();
    const store = new FileStore(dir);
    await store.open();
    const file = join(dir, JOURNAL_FILE);
    const bytes = (e: JournalEntry) => ({ seq: e.seq, bytes: encodeEntry(e) });
    assert.equal(store.writeNow({ entries: [bytes(entry(1))], forget: [] }), true);
    // on disk before anything else ran
    assert.equal(statSync(file).size, store.bytes);
    const gathered = append(store, [entry(2)]);
    // a write now would overtake the one gathered
    assert.equal(store.writeNow({ entries: [bytes(entry(3))], forget: [] }), false);
    assert.equal(await gathered, undefined);
    const voided = [{ seq: 1, bytes: encodeVoid(1) }];
    assert.equal(store.writeNow({ entries: [bytes(entry(3))], forget: [], voided }), true);
    await store.close();
    const again = new FileStore(dir);
    assert.deepEqual(
      (await again.open()).records.map((r) =>
        r.type === 'entry' ? r.entry.seq : r.type === 'void' ? `void ${r.seq}` : r.type,
      ),
      [1, 2, 3, 'void 1'],
    );
    await again.close();
  });

  it('drops a torn last record with a warning, and appends after the last whole one', async () => {
    const dir = tempDir();
    const store = new FileStore(dir);
    await store.open();
    await append(store, [entry(1)]);
    await store.close();
    const file = join(dir, JOURNAL_FILE);
    appendFileSync(file, encodeEntry(entry(2)).subarray(0, 11));
    const again = new FileStore(dir);
    const opened = await again.open();
    assert.deepEqual(
      opened.records.map((r) => r.type === 'entry' && r.entry.seq),
      [1],
    );
    assert.equal(opened.warnings.length, 1);
    assert.match(opened.warnings[0]!, /torn last record/);
    await append(again, [entry(3)]);
    await again.close();
    const scan = scanRecords(readFileSync(file), FILE_MAGIC.length);
    assert.equal(scan.problem, undefined);
    assert.deepEqual(
      scan.records.map((r) => r.type === 'entry' && r.entry.seq),
      [1, 3],
    );
  });

  it('refuses a damaged journal and a file that is not one, saying where', async () => {
    const dir = tempDir();
    const file = join(dir, JOURNAL_FILE);
    const bytes = Buffer.concat([FILE_MAGIC, encodeEntry(entry(1)), encodeEntry(entry(2))]);
    bytes[FILE_MAGIC.length + 10]! ^= 1;
    writeFileSync(file, bytes);
    await assert.rejects(
      new FileStore(dir).open(),
      (e: Error) => e instanceof JournalStoreError && /damaged at byte 8/.test(e.message),
    );
    writeFileSync(file, 'hello');
    await assert.rejects(new FileStore(dir).open(), /is not a vpp-rpc journal/);
  });

  it('says why a state directory cannot be used', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), '');
    await assert.rejects(new FileStore(join(dir, 'file', 'state')).open(), (e: Error) => {
      assert.ok(e instanceof JournalStoreError);
      assert.match(e.message, /cannot make the state directory of .*ENOTDIR/);
      return true;
    });
  });

  it('keeps what it was opened with through a rewrite before any append (a replay at start)', async () => {
    const dir = tempDir();
    const store = new FileStore(dir);
    await store.open();
    assert.equal(await append(store, [entry(1), entry(2)]), undefined);
    await store.close();
    const again = new FileStore(dir);
    const opened = (await again.open()).records;
    const live = new Map(opened.flatMap((r) => (r.type === 'entry' ? [[r.entry.seq, encodeEntry(r.entry)]] : [])));
    await again.rewrite((upTo) => [...live].filter(([seq]) => seq <= upTo).map(([, bytes]) => bytes));
    await again.close();
    const third = new FileStore(dir);
    assert.deepEqual(
      (await third.open()).records.map((r) => (r.type === 'entry' ? r.entry.seq : r.type)),
      [1, 2],
    );
    await third.close();
  });

  it('rewrites to the live records while appends go on, losing none', async () => {
    const dir = tempDir();
    const store = new FileStore(dir);
    await store.open();
    for (let i = 1; i <= 100; i++) await append(store, [entry(i)]);
    const before = store.bytes;
    const live = [2, 50, 99].map((s) => encodeEntry(entry(s)));
    const rewriting = store.rewrite((upTo) => {
      assert.equal(upTo, 100);
      return [...live, encodeInstance({ boottime: 1, pid: 1 })];
    });
    const during = [append(store, [entry(101)]), append(store, [entry(102)])];
    await rewriting;
    await Promise.all(during);
    await append(store, [entry(103)]);
    assert.ok(store.bytes < before);
    await store.close();
    const opened = await new FileStore(dir).open();
    assert.deepEqual(
      opened.records.map((r) => (r.type === 'entry' ? r.entry.seq : 'instance')),
      [2, 50, 99, 'instance', 101, 102, 103],
    );
  });
});

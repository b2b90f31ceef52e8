/**
 * The journal in a file of the state directory: records appended in groups,
 * each group made durable (fdatasync) before anyone is told it was kept.
 *
 * - Group commit: the appends of one turn of the event loop, and all those
 *   made while the group before is being written and synced, go out in one
 *   write and one fdatasync. Bulk programming pays one sync per group, not
 *   per request, and the slower the disk, the larger the groups.
 * - A failed write (a full disk) truncates the file back to the last durable
 *   byte, so the file holds only whole records, and every write fails until
 *   recover() proves the disk takes writes again.
 * - At open, a torn last record (a crash or a power loss in the middle of an
 *   append) is cut off with a warning; damage in the middle of the file stops
 *   the server with the offset, rather than dropping entries silently.
 * - rewrite() writes the live records to `journal.new` while appends go on,
 *   adds the records appended meanwhile, syncs and renames it over the
 *   journal: a crash at any point leaves one whole journal.
 */
import { constants, fdatasyncSync, ftruncateSync, promises as fs, writevSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { GroupCommit, type Group } from './group-commit.ts';
import { JournalStoreError, type JournalStore, type OpenedJournal, type StoreWrite } from './store.ts';
import { scanRecords, type JournalRecord } from './record.ts';

/** The file's first bytes: what it is, and the record format's version. */
export const FILE_MAGIC = Buffer.from('VPPRPCJ1');
export const JOURNAL_FILE = 'journal';
/** bytes a recovery probe writes (and takes back) to learn that the disk has room again */
const PROBE_BYTES = 64 * 1024;
/** how much of a rewrite is written at a time */
const REWRITE_CHUNK = 1024 * 1024;

const codeOf = (e: unknown): string | undefined => (e as NodeJS.ErrnoException)?.code;

export class FileStore implements JournalStore {
  readonly kind = 'file';
  readonly keepsRemoved = true;
  readonly where: string;
  readonly syncs = { count: 0, seconds: 0 };
  private fd: FileHandle | undefined;
  /** durable end of the file */
  private size = 0;
  /** every write and the rewrite's swap, one after another */
  private readonly commits = new GroupCommit((g) => this.writeGroup(g));
  /** the highest entry seq durably written */
  private durableSeq = 0;
  /** set after a failed write: every append fails with it until recover() */
  private failure: JournalStoreError | undefined;
  /** while a rewrite runs: the records appended meanwhile, for the new file */
  private tail: Buffer[] | undefined;
  private rewriting: Promise<void> | undefined;

  constructor(readonly dir: string) {
    this.where = join(dir, JOURNAL_FILE);
  }

  get bytes(): number {
    return this.size;
  }

  private fail(what: string, e: unknown): JournalStoreError {
    const code = codeOf(e);
    return new JournalStoreError(`${what} ${this.where}: ${(e as Error).message}`, code);
  }

  async reread(): Promise<JournalRecord[]> {
    await this.commits.settled();
    const fd = this.fd;
    if (!fd) throw new JournalStoreError(`the journal ${this.where} is closed`);
    const bytes = Buffer.allocUnsafe(this.size);
    const { bytesRead } = await fd.read(bytes, 0, this.size, 0);
    return scanRecords(bytes.subarray(0, bytesRead), FILE_MAGIC.length).records;
  }

  async open(): Promise<OpenedJournal> {
    try {
      await fs.mkdir(this.dir, { recursive: true });
    } catch (e) {
      throw this.fail('cannot make the state directory of', e);
    }
    let fd: FileHandle;
    try {
      fd = await fs.open(this.where, constants.O_RDWR | constants.O_CREAT, 0o600);
    } catch (e) {
      throw this.fail('cannot open the journal', e);
    }
    try {
      const bytes = await fd.readFile();
      const warnings: string[] = [];
      if (bytes.length === 0) {
        await fd.write(FILE_MAGIC, 0, FILE_MAGIC.length, 0);
        await fd.datasync();
        await syncDir(this.dir);
        this.fd = fd;
        this.size = FILE_MAGIC.length;
        return { records: [], warnings };
      }
      if (bytes.length < FILE_MAGIC.length || !bytes.subarray(0, FILE_MAGIC.length).equals(FILE_MAGIC))
        throw new JournalStoreError(
          `${this.where} is not a vpp-rpc journal (it does not start with ${FILE_MAGIC.toString()}): move it away or point --state-dir elsewhere`,
        );
      const scan = scanRecords(bytes, FILE_MAGIC.length);
      if (scan.problem && !scan.problem.torn)
        throw new JournalStoreError(
          `${this.where} is damaged at byte ${scan.problem.offset} (${scan.problem.reason}), with whole records after it: ` +
            'the server will not start on a journal it would read wrong; move the file away to start with an empty journal',
        );
      if (scan.problem) {
        await fd.truncate(scan.validBytes);
        await fd.datasync();
        warnings.push(
          `dropped a torn last record of the journal at byte ${scan.problem.offset} (${scan.problem.reason}; ` +
            `${bytes.length - scan.validBytes} bytes): the server stopped in the middle of writing it, before its answer left`,
        );
      }
      this.fd = fd;
      this.size = scan.validBytes;
      // what the file holds is written: a rewrite before the first append (a replay at start) keeps it
      for (const r of scan.records)
        if (r.type === 'entry' && r.entry.seq > this.durableSeq) this.durableSeq = r.entry.seq;
      return { records: scan.records, warnings };
    } catch (e) {
      await fd.close().catch(() => {});
      if (e instanceof JournalStoreError) throw e;
      throw this.fail('cannot read the journal', e);
    }
  }

  append(write: StoreWrite, done: (err?: Error) => void): void {
    if (this.failure) {
      done(this.failure);
      return;
    }
    this.commits.append(write, done);
  }

  /**
   * A write made durable before this returns, on the event loop: no round
   * trips through libuv's threads, which on a busy machine cost more than the
   * fdatasync itself. Only when nothing else is being written (the order of
   * the file is the order of the writes) and no rewrite is under way.
   */
  writeNow(w: StoreWrite): boolean {
    const fd = this.fd;
    if (this.failure) throw this.failure;
    if (!fd || !this.commits.idle || this.rewriting) return false;
    const buffers = recordsOf(w);
    let bytes = 0;
    for (const b of buffers) bytes += b.length;
    try {
      wroteAll(writevSync(fd.fd, buffers, this.size), bytes);
      const started = performance.now();
      fdatasyncSync(fd.fd);
      this.syncs.count++;
      this.syncs.seconds += (performance.now() - started) / 1000;
    } catch (e) {
      this.failure = this.fail('cannot write the journal', e);
      try {
        ftruncateSync(fd.fd, this.size);
      } catch {
        // the next open cuts a torn record off
      }
      throw this.failure;
    }
    this.size += bytes;
    for (const e of w.entries) if (e.seq > this.durableSeq) this.durableSeq = e.seq;
    return true;
  }

  private async writeGroup(g: Group): Promise<void> {
    const fd = this.fd;
    if (this.failure) throw this.failure;
    if (!fd) throw new JournalStoreError(`the journal ${this.where} is closed`);
    if (g.bytes === 0) return;
    const buffers = recordsOf(g);
    try {
      await writeAll(fd, buffers, g.bytes, this.size);
      const started = performance.now();
      await fd.datasync();
      this.syncs.count++;
      this.syncs.seconds += (performance.now() - started) / 1000;
      this.size += g.bytes;
      if (g.lastSeq > this.durableSeq) this.durableSeq = g.lastSeq;
      this.tail?.push(...buffers);
    } catch (e) {
      this.failure = this.fail('cannot write the journal', e);
      // the file keeps whole records only: what this group wrote goes
      await fd.truncate(this.size).catch(() => {});
      throw this.failure;
    }
  }

  async recover(): Promise<boolean> {
    if (!this.failure) return true;
    const fd = this.fd;
    if (!fd) return false;
    return this.commits.run(async () => {
      try {
        await writeAll(fd, [Buffer.alloc(PROBE_BYTES)], PROBE_BYTES, this.size);
        await fd.datasync();
        await fd.truncate(this.size);
        await fd.datasync();
        this.failure = undefined;
        return true;
      } catch {
        await fd.truncate(this.size).catch(() => {});
        return false;
      }
    });
  }

  rewrite(records: (upTo: number) => Iterable<Buffer>): Promise<void> {
    this.rewriting ??= this.doRewrite(records).finally(() => {
      this.rewriting = undefined;
      this.tail = undefined;
    });
    return this.rewriting;
  }

  private async doRewrite(records: (upTo: number) => Iterable<Buffer>): Promise<void> {
    const next = this.where + '.new';
    let out: FileHandle | undefined;
    try {
      // the snapshot: every entry written so far; what is written after it goes to the new file as its tail
      const snapshot = await this.commits.run(() => {
        this.tail = [];
        return [...records(this.durableSeq)];
      });
      out = await fs.open(next, 'w', 0o600);
      let size = 0;
      let chunk: Buffer[] = [FILE_MAGIC];
      let chunkBytes = FILE_MAGIC.length;
      const writeChunk = async (): Promise<void> => {
        await writeAll(out!, chunk, chunkBytes, size);
        size += chunkBytes;
        chunk = [];
        chunkBytes = 0;
      };
      for (const bytes of snapshot) {
        chunk.push(bytes);
        chunkBytes += bytes.length;
        if (chunkBytes >= REWRITE_CHUNK) await writeChunk();
      }
      if (chunkBytes) await writeChunk();
      const fresh = out;
      await this.commits.run(async () => {
        const tail = this.tail ?? [];
        const tailBytes = tail.reduce((n, b) => n + b.length, 0);
        if (tailBytes) await writeAll(fresh, tail, tailBytes, size);
        await fresh.datasync();
        await fs.rename(next, this.where);
        await syncDir(this.dir);
        const old = this.fd;
        this.fd = fresh;
        this.size = size + tailBytes;
        out = undefined;
        await old?.close();
      });
    } catch (e) {
      await out?.close().catch(() => {});
      await fs.rm(next, { force: true }).catch(() => {});
      throw this.fail('cannot rewrite the journal', e);
    }
  }

  async close(): Promise<void> {
    await this.rewriting?.catch(() => {});
    await this.commits.settled();
    const fd = this.fd;
    this.fd = undefined;
    await fd?.close();
  }
}

/** The records of a write or a group, in the order the file keeps them: entries, VOID records, the instance. */
function recordsOf(w: Pick<StoreWrite, 'entries' | 'voided'> & { instance?: Buffer | undefined }): Buffer[] {
  const buffers = w.entries.map((e) => e.bytes);
  for (const v of w.voided ?? []) buffers.push(v.bytes);
  if (w.instance) buffers.push(w.instance);
  return buffers;
}

/** Throws unless every byte was written (a short write is a full disk). */
function wroteAll(written: number, bytes: number): void {
  if (written !== bytes)
    throw Object.assign(new Error(`ENOSPC: no space left on device (wrote ${written} of ${bytes} bytes)`), {
      code: 'ENOSPC',
    });
}

/** Writes every byte or throws (a short write is a full disk). */
async function writeAll(fd: FileHandle, buffers: Buffer[], bytes: number, position: number): Promise<void> {
  wroteAll((await fd.writev(buffers, position)).bytesWritten, bytes);
}

/** A rename or a new file is durable once its directory is synced. */
async function syncDir(dir: string): Promise<void> {
  const d = await fs.open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

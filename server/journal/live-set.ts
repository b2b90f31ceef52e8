/**
 * The journal's live entries, in order, and compaction: each new entry may
 * make earlier ones unnecessary (rules.ts says which). The same steps run
 * when a request is recorded and when a journal is read back, so a file that
 * keeps every request it was given and the set in memory always agree.
 *
 * Objects: an entry whose reply handed out an index (a loopback's
 * sw_if_index) owns that object. Later entries refer to it by the entry, not
 * by the number (EntryRef), because VPP gives a freed number to the next
 * object: `loop1` deleted and another loopback created get the same
 * sw_if_index, and the journal tells them apart.
 *
 * Deleting an object removes the entries that only concerned it (their every
 * index names it, none inside a list) and, once nothing else refers to it and
 * no object of its kind was created or deleted since, the entry that created
 * it and the delete itself. Where something else still refers to it (a route through
 * the interface), or removing it would change how VPP numbers and names the
 * objects created after it, they are kept and replayed in order: correct
 * first, small second.
 */
import { WireReader } from '../../lib/protobuf/wire-reader.ts';
import type { Value } from '../../vpp/codec/types.ts';
import { NO_INDEX, type IndexModel } from '../../vpp/api/indexes.ts';
import { readAt, writeAt } from '../../vpp/api/indexes.ts';
import type { EntryRef, JournalEntry } from './record.ts';
import type { JournalRules, MessageRules } from './rules.ts';

/** What the live set needs of an RPC: its VPP request and a canonical encoding of its request. */
export interface JournalRpc {
  /** the gRPC path */
  path: string;
  /** the VPP request (`ip_route_add_del`) */
  message: string;
  /** the request as protobuf bytes: equal values give equal bytes */
  encode(value: Value): Uint8Array;
}

export interface LiveEntry {
  entry: JournalEntry;
  /** the encoded record */
  bytes: Buffer;
  message: string;
  /** an add of an add/delete pair: its key */
  addKey?: string;
  /** a set: what it sets */
  subjectKey?: string;
  /** the entries whose objects this one refers to */
  owners: number[];
  /** every ref names the same object, none from inside a list: the entry only concerns that object */
  aboutOne: boolean;
  /** the kinds of objects this entry deleted (a delete kept beside what it deleted) */
  frees?: string[];
}

export interface AddResult {
  /** whether the new entry is kept */
  live: boolean;
  /** entries compaction removed */
  removed: number[];
}

const ownerKey = (kind: string, index: number): string => `${kind}:${index}`;
const NONE: number[] = [];
const NONE_KINDS: string[] = [];

const VERBS = new Set(['create', 'add', 'del', 'delete', 'replace']);
/** A request's name without its verbs and version: `tap_create_v3` → `tap`. */
const nameWords = (message: string): string[] => message.split('_').filter((w) => !VERBS.has(w) && !/^v\d+$/.test(w));

/** A message's bytes, less its top-level field `number`, as a string key (latin1: a byte a character). */
function withoutField(bytes: Buffer, number: number): string {
  const r = new WireReader(bytes);
  let out = '';
  let from = 0;
  while (r.pos < bytes.length) {
    const at = r.pos;
    const tag = r.tag(bytes.length);
    r.skip(tag, bytes.length, 0);
    if (tag >>> 3 !== number) continue;
    out += bytes.toString('latin1', from, at);
    from = r.pos;
  }
  return out + bytes.toString('latin1', from, bytes.length);
}

/** The position of the first number above `n` in an ascending list. */
function firstAbove(sorted: number[], n: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! > n) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** A subject field's value as text: ids may be 64-bit. */
const asText = (v: unknown): string => (typeof v === 'bigint' ? v.toString() : JSON.stringify(v ?? null));

export class LiveSet {
  private readonly live = new Map<number, LiveEntry>();
  private bytesLive = 0;
  /** add key → the live adds with it (one, nearly always) */
  private readonly adds = new Map<string, number | Set<number>>();
  /** set subject → the live set entry */
  private readonly subjects = new Map<string, number>();
  /** `kind:index` → the entry that created the object VPP now numbers so */
  private readonly owners = new Map<string, number>();
  /** entry → the live entries that refer to its objects */
  private readonly referrers = new Map<number, Set<number>>();
  /** kind → the live entries that created or deleted objects of it, in order */
  private readonly allocators = new Map<string, number[]>();

  constructor(
    private readonly rules: JournalRules,
    private readonly indexes: IndexModel,
  ) {}

  get size(): number {
    return this.live.size;
  }

  /** bytes of the live entries' records */
  get bytes(): number {
    return this.bytesLive;
  }

  values(): IterableIterator<LiveEntry> {
    return this.live.values();
  }

  get(seq: number): LiveEntry | undefined {
    return this.live.get(seq);
  }

  clear(): void {
    this.live.clear();
    this.bytesLive = 0;
    this.adds.clear();
    this.subjects.clear();
    this.owners.clear();
    this.referrers.clear();
    this.allocators.clear();
  }

  /** The index fields of a request that name objects entries of the journal created. */
  refsOf(message: string, value: Value): EntryRef[] {
    // nothing the journal created exists: nothing to refer to (routes through interfaces VPP had from its start)
    if (this.owners.size === 0) return [];
    const refs: EntryRef[] = [];
    for (const site of this.indexes.sites(message, value, NO_INDEX)) {
      const owner = this.owners.get(ownerKey(site.kind, site.value));
      if (owner === undefined) continue;
      const field = this.allocatedField(owner, site.kind, site.value);
      if (field !== undefined) refs.push({ path: site.path, owner, field });
    }
    return refs;
  }

  private allocatedField(owner: number, kind: string, index: number): string | undefined {
    const e = this.live.get(owner);
    if (!e?.entry.allocated) return undefined;
    for (const a of this.indexes.allocatedBy(e.message))
      if (a.kind === kind && e.entry.allocated[a.field] === index) return a.field;
    return undefined;
  }

  /**
   * The reply fields that hand out indexes, where this request created the
   * object (not an add that names an existing one to replace, nor a delete).
   */
  allocations(message: string, request: Value, reply: Value | undefined): Record<string, number> | undefined {
    const rules = this.rules.of(message);
    if (rules.flag && Boolean(request[rules.flag.field]) !== rules.flag.addWhen) return undefined;
    let out: Record<string, number> | undefined;
    for (const a of this.indexes.allocatedBy(message)) {
      const v = reply?.[a.field];
      if (typeof v !== 'number' || v === NO_INDEX) continue;
      if (a.requestDefault !== undefined) {
        const named = request[a.field] ?? a.requestDefault;
        if (typeof named === 'number' && named !== NO_INDEX) continue;
      }
      (out ??= {})[a.field] = v;
    }
    return out;
  }

  /** Adds an entry (its refs and allocations already set), compacting what it makes unnecessary. */
  add(entry: JournalEntry, bytes: Buffer, rpc: JournalRpc, value: Value): AddResult {
    const rules = this.rules.of(rpc.message);
    const removed: number[] = [];
    const item: LiveEntry = { entry, bytes, message: rpc.message, owners: NONE, aboutOne: false };
    if (entry.refs.length) {
      item.owners = [...new Set(entry.refs.map((r) => r.owner))];
      item.aboutOne = item.owners.length === 1 && entry.refs.every((r) => !r.path.some((p) => typeof p === 'number'));
    }

    if (rules.flag) {
      const key = this.pairKey(rpc, rules, value, entry);
      const adding = Boolean(value[rules.flag.field]) === rules.flag.addWhen;
      if (adding) item.addKey = key;
      else {
        const undone = this.adds.get(key);
        if (undone !== undefined) {
          let kept = false;
          for (const seq of typeof undone === 'number' ? [undone] : [...undone])
            if (!this.undo(seq, item, removed)) kept = true;
          if (!kept) return { live: false, removed };
        }
      }
    } else if (rules.subject) {
      item.subjectKey = this.subjectKey(rpc.message, rules.subject, value, entry.refs);
      const earlier = this.subjects.get(item.subjectKey);
      if (earlier !== undefined) this.remove(earlier, removed);
    } else if (rules.deletes && entry.refs.length > 0) {
      const targets = new Set(
        entry.refs.filter((r) => r.path.length === 1 && this.deletesWhat(rpc.message, r.owner)).map((r) => r.owner),
      );
      let kept = false;
      for (const owner of targets) if (!this.undo(owner, item, removed)) kept = true;
      const others = entry.refs.some((r) => !targets.has(r.owner));
      if (targets.size > 0 && !kept && !others) return { live: false, removed };
    }
    this.insert(item);
    return { live: true, removed };
  }

  /** Replaces an entry's allocations (a replay numbered its objects anew) and its record. */
  renumber(seq: number, allocated: Record<string, number>, bytes: Buffer): void {
    const e = this.live.get(seq);
    if (!e) return;
    for (const a of this.indexes.allocatedBy(e.message)) {
      const old = e.entry.allocated?.[a.field];
      if (old !== undefined && this.owners.get(ownerKey(a.kind, old)) === seq)
        this.owners.delete(ownerKey(a.kind, old));
    }
    e.entry.allocated = allocated;
    this.bytesLive += bytes.length - e.bytes.length;
    e.bytes = bytes;
    this.own(e);
  }

  /**
   * Whether a delete request deletes what an entry created, by their names:
   * the delete's words (verbs and versions aside) are all in the creator's
   * (`delete_loopback` → `create_loopback`, `delete_subif` → `create_vlan_subif`,
   * `acl_del` → `acl_add_replace`), so that `ipsec_tunnel_protect_del`, which
   * names an interface, does not delete the interface.
   */
  private deletesWhat(message: string, owner: number): boolean {
    const creator = this.live.get(owner);
    if (!creator) return false;
    const made = new Set(nameWords(creator.message));
    return nameWords(message).every((w) => made.has(w));
  }

  private insert(item: LiveEntry): void {
    const { seq } = item.entry;
    this.live.set(seq, item);
    this.bytesLive += item.bytes.length;
    if (item.addKey !== undefined) {
      const other = this.adds.get(item.addKey);
      if (other === undefined) this.adds.set(item.addKey, seq);
      else if (typeof other === 'number') this.adds.set(item.addKey, new Set([other, seq]));
      else other.add(seq);
    }
    if (item.subjectKey !== undefined) this.subjects.set(item.subjectKey, seq);
    for (const o of item.owners) {
      let set = this.referrers.get(o);
      if (!set) this.referrers.set(o, (set = new Set()));
      set.add(seq);
    }
    for (const kind of this.kindsOf(item)) {
      let seqs = this.allocators.get(kind);
      if (!seqs) this.allocators.set(kind, (seqs = []));
      seqs.push(seq);
    }
    this.own(item);
  }

  /** The objects an entry created are known by their numbers from now on. */
  private own(item: LiveEntry): void {
    const allocated = item.entry.allocated;
    if (!allocated) return;
    for (const a of this.indexes.allocatedBy(item.message)) {
      const v = allocated[a.field];
      if (v !== undefined) this.owners.set(ownerKey(a.kind, v), item.entry.seq);
    }
  }

  /**
   * Entry `seq` is undone (deleted, or its add turned off) by entry `by`:
   * the entries only about its objects go, and it goes too unless something
   * else still refers to its objects, or VPP numbered objects of its kinds
   * since. Returns whether it went.
   */
  private undo(seq: number, by: LiveEntry, removed: number[]): boolean {
    const e = this.live.get(seq);
    if (!e) return true;
    const kinds = this.kindsOf(e);
    // the numbers its objects had are free: VPP may give them to new objects
    if (e.entry.allocated)
      for (const a of this.indexes.allocatedBy(e.message)) {
        const v = e.entry.allocated[a.field];
        if (v !== undefined && this.owners.get(ownerKey(a.kind, v)) === seq) this.owners.delete(ownerKey(a.kind, v));
      }
    const refs = this.referrers.get(seq);
    if (refs)
      for (const r of [...refs]) {
        const other = this.live.get(r);
        if (other && r !== by.entry.seq && other.aboutOne && !other.entry.allocated) this.remove(r, removed);
      }
    if (this.referrers.get(seq)?.size || this.numberedSince(kinds, seq, by.entry.seq)) {
      // kept: the delete that goes beside it frees a number, as it did in VPP
      if (kinds.length) by.frees = [...new Set([...(by.frees ?? []), ...kinds])];
      return false;
    }
    this.remove(seq, removed);
    return true;
  }

  /**
   * Whether an entry between `from` and `to` created or deleted an object of
   * one of `kinds`. VPP numbers a new object from what is free (the number
   * freed last for an sw_if_index or an ACL, the lowest free name for a
   * loopback): without a create and its delete, the objects made after them
   * would be numbered and named otherwise on replay, unless nothing of their
   * kinds was made or freed in between.
   */
  private numberedSince(kinds: string[], from: number, to: number): boolean {
    for (const kind of kinds) {
      const seqs = this.allocators.get(kind) ?? [];
      const next = seqs[firstAbove(seqs, from)];
      if (next !== undefined && next < to) return true;
    }
    return false;
  }

  /** The kinds of objects an entry created or deleted. */
  private kindsOf(e: LiveEntry): string[] {
    const allocated = e.entry.allocated;
    if (!allocated && !e.frees) return NONE_KINDS;
    const made = allocated
      ? this.indexes.allocatedBy(e.message).flatMap((a) => (allocated[a.field] === undefined ? [] : [a.kind]))
      : [];
    return e.frees ? [...new Set([...made, ...e.frees])] : made;
  }

  private remove(seq: number, removed: number[]): void {
    const e = this.live.get(seq);
    if (!e) return;
    this.live.delete(seq);
    this.bytesLive -= e.bytes.length;
    removed.push(seq);
    if (e.addKey !== undefined) {
      const other = this.adds.get(e.addKey);
      if (other === seq) this.adds.delete(e.addKey);
      else if (typeof other === 'object') {
        other.delete(seq);
        if (other.size === 0) this.adds.delete(e.addKey);
      }
    }
    if (e.subjectKey !== undefined && this.subjects.get(e.subjectKey) === seq) this.subjects.delete(e.subjectKey);
    for (const o of e.owners) {
      const set = this.referrers.get(o);
      set?.delete(seq);
      if (set?.size === 0) this.referrers.delete(o);
    }
    for (const kind of this.kindsOf(e)) {
      const seqs = this.allocators.get(kind)!;
      seqs.splice(firstAbove(seqs, seq - 1), 1);
    }
    if (e.entry.allocated)
      for (const a of this.indexes.allocatedBy(e.message)) {
        const v = e.entry.allocated[a.field];
        if (v !== undefined && this.owners.get(ownerKey(a.kind, v)) === seq) this.owners.delete(ownerKey(a.kind, v));
      }
  }

  /**
   * An add/delete request without its flag, its refs by owner: equal keys
   * for an add and the delete that undoes it. Without refs the request's own
   * bytes are the key, less the flag field: protobuf encoders write fields in
   * order and leave defaults out, so equal requests are equal bytes (a client
   * that encodes otherwise makes pairs that do not match: both are kept).
   * With refs, the numbers are set aside and the request encoded anew.
   */
  private pairKey(rpc: JournalRpc, rules: MessageRules, value: Value, entry: JournalEntry): string {
    const { refs } = entry;
    if (refs.length === 0) return `${rpc.message}\n${withoutField(entry.request, rules.flag!.number)}`;
    const flag = rules.flag!.field;
    const saved = value[flag];
    value[flag] = undefined;
    const numbers = refs.map((r) => readAt(value, r.path) as number);
    for (const r of refs) writeAt(value, r.path, 0);
    try {
      const bytes = rpc.encode(value);
      const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
      return `${rpc.message}\n${text}\n${refs.map((r) => `${r.owner}.${r.field}`).join(',')}`;
    } finally {
      value[flag] = saved;
      refs.forEach((r, i) => writeAt(value, r.path, numbers[i]!));
    }
  }

  private subjectKey(message: string, fields: string[], value: Value, refs: EntryRef[]): string {
    const parts = fields.map((f) => {
      const ref = refs.find((r) => r.path.length === 1 && r.path[0] === f);
      return ref ? `@${ref.owner}.${ref.field}` : asText(value[f]);
    });
    return `${message}\n${parts.join('\n')}`;
  }
}

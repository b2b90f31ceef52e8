/**
 * Replay: the live entries sent to VPP again, in their order, pipelined.
 *
 * Each entry's index fields that name objects earlier entries created are
 * set to the numbers this VPP gave those objects (read from the replies of
 * the replay itself), so that a route through `loop3` reaches `loop3` even
 * when VPP numbered it differently this time. Entries go out in order: one
 * that needs a number not yet answered waits for it, and the ones after it
 * wait behind it. An entry VPP refuses is logged, counted and reported, and
 * the rest go on (never a rollback, never a stop at the first failure); an
 * entry that needs the objects of a refused one fails without being sent.
 * Losing VPP ends the replay: the next VPP is replayed into from the start.
 */
import { VppClientError, type VppClient } from '../../vpp/client/index.ts';
import type { Value } from '../../vpp/codec/types.ts';
import { writeAt } from '../../vpp/api/indexes.ts';
import type { LiveEntry } from './live-set.ts';

/** What replay needs of an RPC, by its gRPC path. */
export interface ReplayRpc {
  message: string;
  decode(bytes: Buffer): Value;
  /** the request as JSON text, for the report */
  toJson(value: Value): unknown;
}

export interface ReplayFailure {
  seq: number;
  rpc: string;
  /** the request as sent (JSON), or as recorded when it was not sent */
  request: unknown;
  error: string;
  /** VPP's retval, when VPP refused it */
  retval?: number;
}

export interface ReplayReport {
  /** ms since the epoch */
  startedAt: number;
  durationMs: number;
  items: number;
  failed: ReplayFailure[];
  /** VPP went away during the replay: it starts again with the next VPP */
  aborted?: string;
  /** the objects this VPP numbered, by entry */
  allocated: Map<number, Record<string, number>>;
}

export interface ReplayOptions {
  client: VppClient;
  rpcs: (path: string) => ReplayRpc | undefined;
  /** replies each entry's allocations from (see LiveSet.allocations) */
  allocations(message: string, request: Value, reply: Value): Record<string, number> | undefined;
  /** requests in flight at once */
  window: number;
  timeoutMs: number;
  /** called for each entry VPP refuses */
  onFailure?(f: ReplayFailure): void;
  /** called as entries are answered: done of total */
  onProgress?(done: number): void;
}

/** A signal that goes off once VPP is lost: a replay into it cannot go on. */
const lost = (e: unknown): boolean =>
  e instanceof VppClientError && ['DISCONNECTED', 'CLOSED', 'NOT_RESPONDING'].includes(e.code);

export async function replay(entries: LiveEntry[], o: ReplayOptions): Promise<ReplayReport> {
  const report: ReplayReport = {
    startedAt: Date.now(),
    durationMs: 0,
    items: entries.length,
    failed: [],
    allocated: new Map(),
  };
  const started = performance.now();
  /** entries answered or failed, by seq: resolved when their numbers are known */
  const pending = new Map<number, Promise<void>>();
  const failedSeqs = new Set<number>();
  const inFlight = new Set<Promise<void>>();
  let answered = 0;
  let abort: string | undefined;

  const fail = (e: LiveEntry, request: unknown, error: string, retval?: number): void => {
    failedSeqs.add(e.entry.seq);
    const f: ReplayFailure = {
      seq: e.entry.seq,
      rpc: e.entry.rpc,
      request,
      error,
      ...(retval === undefined ? {} : { retval }),
    };
    report.failed.push(f);
    o.onFailure?.(f);
  };

  for (const e of entries) {
    if (abort) break;
    const rpc = o.rpcs(e.entry.rpc);
    if (!rpc) {
      fail(e, null, `this server has no RPC ${e.entry.rpc} (the protos it serves are of another VPP version)`);
      answered++;
      continue;
    }
    let value: Value;
    try {
      value = rpc.decode(e.entry.request);
    } catch (err) {
      fail(e, null, `the recorded request does not decode: ${(err as Error).message}`);
      answered++;
      continue;
    }
    // the numbers this entry needs: wait for the entries that hand them out
    const owners = [...new Set(e.entry.refs.map((r) => r.owner))];
    for (const owner of owners) await pending.get(owner);
    if (abort) break;
    const missing = e.entry.refs.find(
      (r) => failedSeqs.has(r.owner) || report.allocated.get(r.owner)?.[r.field] === undefined,
    );
    if (missing) {
      fail(e, rpc.toJson(value), `needs the object entry ${missing.owner} created, which VPP did not create on replay`);
      answered++;
      continue;
    }
    for (const r of e.entry.refs) writeAt(value, r.path, report.allocated.get(r.owner)![r.field]!);
    while (inFlight.size >= o.window) await Promise.race(inFlight);
    if (abort) break;
    const sent = o.client.request(rpc.message, value, { timeoutMs: o.timeoutMs }).then(
      (reply) => {
        if (e.entry.allocated) {
          const got = o.allocations(rpc.message, value, reply);
          if (got) report.allocated.set(e.entry.seq, got);
        }
      },
      (err: unknown) => {
        if (lost(err)) abort ??= (err as Error).message;
        else fail(e, rpc.toJson(value), (err as Error).message, (err as { retval?: number }).retval);
      },
    );
    const settled = sent.finally(() => {
      inFlight.delete(settled);
      answered++;
      o.onProgress?.(answered);
    });
    inFlight.add(settled);
    if (e.entry.allocated) pending.set(e.entry.seq, settled);
  }
  await Promise.all(inFlight);
  report.durationMs = performance.now() - started;
  if (abort) report.aborted = abort;
  return report;
}

/**
 * vpprpc.Journal over gRPC (and through the gateway, REST): Status and
 * Export read; Replay and Clear act (read-only mode refuses them).
 */
import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import type { Value } from '../../lib/protobuf/index.ts';
import { shortService } from '../../lib/policy.ts';
import type { CallObserver } from '../handlers.ts';
import { addOwnService } from '../own-service.ts';
import type { OwnRpc } from '../rpcs.ts';
import { rpcFailure, toStatus } from '../status.ts';
import { JOURNAL_STATE_NAMES, type Journal, type JournalRpcInfo, type JournalStatus } from './journal.ts';
import type { VppInstance } from './record.ts';
import type { ReplayReport } from './replay.ts';
import { writeAt } from '../../vpp/api/indexes.ts';
import { formatFieldPath } from '../../lib/batch-refs.ts';

export const JOURNAL_SERVICE = 'vpprpc.Journal';
/** a report lists at most this many failures; failed_count has them all */
const MAX_REPORTED_FAILURES = 1000;

const rfc3339 = (ms: number): string => new Date(ms).toISOString();

function instanceMessage(i: VppInstance): Value {
  return { pid: i.pid, boottime: i.boottime, started: i.boottime ? rfc3339(i.boottime * 1000) : '' };
}

export function reportMessage(r: ReplayReport, rpcName: (path: string) => string): Value {
  return {
    started: rfc3339(r.startedAt),
    duration_ms: r.durationMs,
    items: BigInt(r.items),
    failed_count: BigInt(r.failed.length),
    failed: r.failed.slice(0, MAX_REPORTED_FAILURES).map((f) => ({
      seq: BigInt(f.seq),
      rpc: rpcName(f.rpc),
      request: f.request === null ? '' : JSON.stringify(f.request),
      error: f.error,
      ...(f.retval === undefined ? {} : { retval: f.retval }),
    })),
    ...(r.aborted ? { aborted: r.aborted } : {}),
  };
}

export function statusMessage(s: JournalStatus | undefined, rpcName: (path: string) => string): Value {
  if (!s) return { state: 'off', reason: 'the server runs with --journal off' };
  return {
    state: JOURNAL_STATE_NAMES[s.state],
    ...(s.reason ? { reason: s.reason } : {}),
    entries: BigInt(s.entries),
    bytes: BigInt(s.bytes),
    live_bytes: BigInt(s.liveBytes),
    store: s.store.kind,
    location: s.store.where,
    ...(s.instance ? { instance: instanceMessage(s.instance) } : {}),
    ...(s.lastReplay ? { last_replay: reportMessage(s.lastReplay, rpcName) } : {}),
    ...(s.replayProgress
      ? { replay_done: BigInt(s.replayProgress.done), replay_total: BigInt(s.replayProgress.total) }
      : {}),
  };
}

/** `/vpp.ip.Ip/IpRouteAddDel` → `Ip/IpRouteAddDel`, as batches name RPCs. */
export const rpcName = (path: string): string => {
  const [, service = '', method = ''] = path.split('/');
  return `${shortService(service)}/${method}`;
};

/**
 * The live entries as batch lines: the request with the numbers VPP gave
 * its objects last, and `refs` saying which numbers come from which earlier
 * line's reply, for a VPP that numbers them otherwise.
 */
export function* exportLines(journal: Journal, rpcs: (path: string) => JournalRpcInfo | undefined): Iterable<string> {
  for (const e of journal.entries()) {
    const rpc = rpcs(e.entry.rpc);
    if (!rpc) continue;
    const value = rpc.decode(e.entry.request);
    for (const r of e.entry.refs) {
      const n = journal.allocatedBy(r.owner, r.field);
      if (n !== undefined) writeAt(value, r.path, n);
    }
    const line: Record<string, unknown> = { rpc: rpcName(e.entry.rpc), id: e.entry.seq, request: rpc.toJson(value) };
    if (e.entry.refs.length)
      line.refs = e.entry.refs.map((r) => ({ field: formatFieldPath(r.path), item: r.owner, reply_field: r.field }));
    yield JSON.stringify(line);
  }
}

export interface JournalServiceOptions {
  journal: Journal | undefined;
  rpcs: (path: string) => JournalRpcInfo | undefined;
  observer: CallObserver;
}

export function addJournalService(server: grpc.Server, rpcs: OwnRpc[], o: JournalServiceOptions): void {
  const journal = (): Journal => {
    if (!o.journal)
      throw rpcFailure(grpc.status.FAILED_PRECONDITION, 'the server runs with --journal off: it keeps no journal');
    return o.journal;
  };
  addOwnService(
    server,
    rpcs,
    {
      unary: {
        Status: async () => statusMessage(o.journal?.status(), rpcName),
        Replay: async () => reportMessage(await journal().replayNow(), rpcName),
        Clear: async () => ({ cleared: BigInt(await journal().clear()) }),
      },
      streams: {
        Export: async (_req, call, signal) => {
          await journal().settled();
          for (const json of exportLines(journal(), o.rpcs)) {
            if (signal.aborted) return;
            // a caller that leaves ends the wait (once() rejects on the signal; the loop then stops)
            if (!call.write({ json })) await once(call, 'drain', { signal }).catch(() => {});
          }
        },
      },
      failure: (err) => toStatus(err, ''),
    },
    o.observer,
  );
}

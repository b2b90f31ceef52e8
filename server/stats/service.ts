/**
 * vpprpc.Stats: VPP's stats segment over gRPC (and through the gateway, REST).
 * Read-only: list names, read values, watch them with rates, and interface
 * counters by name. Without a segment every call is UNAVAILABLE, saying why.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import type { Value } from '../../lib/protobuf/index.ts';
import { StatsError } from '../../vpp/stats/errors.ts';
import type { CallObserver } from '../handlers.ts';
import type { OwnRpc } from '../rpcs.ts';
import { addOwnService } from '../own-service.ts';
import { interfaceCounters, IF_PATTERNS, type InterfaceFilter } from './interfaces.ts';
import { StatsPatternError, StatsUnavailableError, type StatsSource } from './source.ts';
import { addRates, entryMessage, STAT_TYPE_NUMBER } from './values.ts';
import { rpcFailure, toStatus, type RpcFailure } from '../status.ts';

export const STATS_SERVICE = 'vpprpc.Stats';

const DEFAULT_INTERVAL_MS = 1000;
const MIN_INTERVAL_MS = 100;
const MAX_INTERVAL_MS = 3_600_000;

export interface StatsServiceOptions {
  source: StatsSource;
  observer: CallObserver;
  /** samples a slow watcher may have queued before its stream is ended */
  maxQueuedSamples: number;
}

function statsStatus(err: unknown): RpcFailure {
  if (err instanceof StatsUnavailableError) return rpcFailure(grpc.status.UNAVAILABLE, err.message);
  if (err instanceof StatsPatternError) return rpcFailure(grpc.status.INVALID_ARGUMENT, err.message);
  if (err instanceof StatsError) return rpcFailure(grpc.status[err.code], err.message);
  return toStatus(err, '');
}

const patternsOf = (req: Value): string[] => (req.patterns as string[] | undefined) ?? [];

async function listNames(source: StatsSource, req: Value): Promise<Value> {
  const { entries, epoch } = await source.dump(patternsOf(req));
  return { names: entries.map((e) => ({ name: e.name, type: STAT_TYPE_NUMBER[e.value.type] })), epoch: BigInt(epoch) };
}

async function read(source: StatsSource, req: Value): Promise<Value> {
  const { entries, epoch } = await source.dump(patternsOf(req));
  const perThread = req.per_thread === true;
  return { entries: entries.map((e) => entryMessage(e, perThread)), epoch: BigInt(epoch) };
}

async function readInterfaces(source: StatsSource, req: Value): Promise<Value> {
  const filter: InterfaceFilter = {};
  if (req.name !== undefined) filter.name = req.name as string;
  if (req.sw_if_index !== undefined) filter.sw_if_index = req.sw_if_index as number;
  const { entries } = await source.dump(IF_PATTERNS);
  return { interfaces: interfaceCounters(entries, filter) };
}

function intervalOf(req: Value): number {
  const ms = (req.interval_ms as number | undefined) ?? 0;
  if (ms === 0) return DEFAULT_INTERVAL_MS;
  if (ms < MIN_INTERVAL_MS || ms > MAX_INTERVAL_MS)
    throw rpcFailure(
      grpc.status.INVALID_ARGUMENT,
      `interval_ms: ${ms} is out of range ${MIN_INTERVAL_MS} … ${MAX_INTERVAL_MS} (0: ${DEFAULT_INTERVAL_MS})`,
    );
  return ms;
}

/** Samples every interval until the caller leaves; rates from each read to the next. */
async function watch(
  source: StatsSource,
  req: Value,
  call: grpc.ServerWritableStream<Buffer, Value>,
  signal: AbortSignal,
  maxQueued: number,
): Promise<void> {
  const intervalMs = intervalOf(req);
  const patterns = patternsOf(req);
  const perThread = req.per_thread === true;
  let previous = new Map<string, Value>();
  let previousAt: bigint | undefined;
  while (!signal.aborted) {
    const { entries, epoch } = await source.dump(patterns);
    const at = process.hrtime.bigint();
    const seconds = previousAt === undefined ? 0 : Number(at - previousAt) / 1e9;
    const messages = entries.map((e) => entryMessage(e, perThread));
    addRates(messages, previous, seconds);
    previous = new Map(messages.map((m) => [m.name as string, m]));
    previousAt = at;
    if (signal.aborted) return;
    call.write({ time_ms: BigInt(Date.now()), seconds, entries: messages, epoch: BigInt(epoch) });
    if (call.writableLength > maxQueued)
      throw rpcFailure(grpc.status.RESOURCE_EXHAUSTED, `the watcher fell ${call.writableLength} samples behind`);
    await sleep(intervalMs, undefined, { signal });
  }
}

/** Registers vpprpc.Stats on the server: `rpcs` from ownRpcTable(root, STATS_SERVICE). */
export function addStatsService(server: grpc.Server, rpcs: OwnRpc[], opts: StatsServiceOptions): void {
  const { source } = opts;
  addOwnService(
    server,
    rpcs,
    {
      unary: {
        ListNames: (req) => listNames(source, req),
        Read: (req) => read(source, req),
        InterfaceCounters: (req) => readInterfaces(source, req),
      },
      // a watch lasts until the caller leaves: it ends by cancellation, or by an error
      streams: { Watch: (req, call, signal) => watch(source, req, call, signal, opts.maxQueuedSamples) },
      failure: statsStatus,
    },
    opts.observer,
  );
}

/**
 * The gRPC server: every service in proto/, forwarded to VPP through one
 * client connection; health, reflection and metrics beside them.
 */
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { announceReady, type Logger } from '../lib/log.ts';
import { formatHostPort, parseHostPort } from '../lib/listen.ts';
import { startMetrics } from '../lib/metrics-http.ts';
import { loadProtoIndex } from '../vpp/api/load-proto.ts';
import { VppClient, VppClientError } from '../vpp/client/index.ts';
import { createCodec } from '../vpp/codec/index.ts';
import type { Value } from '../vpp/codec/types.ts';
import type { ApiModel } from '../vpp/api/model.ts';
import type { ServerConfig } from './config.ts';
import { BatchItems } from './batch/items.ts';
import { BATCH_SERVICE } from '../lib/wire-names.ts';
import { BatchMetrics, batchHandler, batchService } from './batch/stream.ts';
import { dumpHandler, eventsHandler, unaryHandler, type CallObserver, type HandlerOptions } from './handlers.ts';
import { addHealth } from './health.ts';
import { ServerMetrics } from './metrics.ts';
import { addReflection } from './reflection.ts';
import { buildRpcTable, ownRpcTable, type Rpc } from './rpcs.ts';
import { serverGuards } from './security/guards.ts';
import { addStatsService, STATS_SERVICE } from './stats/service.ts';
import { Availability } from './availability.ts';
import { connectEtcd } from './fleet/etcd.ts';
import type { EtcdClient } from '../lib/etcd/index.ts';
import { EtcdStore } from './journal/etcd-store.ts';
import { joinFleet } from './fleet/join.ts';
import type { Registration } from './fleet/registration.ts';
import { FileStore } from './journal/file-store.ts';
import { readBoottime } from './journal/instance.ts';
import { Journal } from './journal/journal.ts';
import { JournalMetrics } from './journal/metrics.ts';
import { journalRpcs } from './journal/rpcs.ts';
import { addJournalService, JOURNAL_SERVICE } from './journal/service.ts';
import { IndexModel } from '../vpp/api/indexes.ts';
import { VppMetricsExporter } from './stats/prometheus.ts';
import { statsReaderFactory } from './stats/reader.ts';
import { StatsSource } from './stats/source.ts';

const SERVER_FAULTS: ReadonlySet<number> = new Set([grpc.status.INTERNAL, grpc.status.UNKNOWN, grpc.status.DATA_LOSS]);
const AVAILABILITY: ReadonlySet<number> = new Set([
  grpc.status.UNAVAILABLE,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.RESOURCE_EXHAUSTED,
  grpc.status.ABORTED,
]);

export interface RunningServer {
  /** the bound gRPC port (useful when listening on port 0) */
  port: number;
  metricsPort: number | undefined;
  client: VppClient;
  rpcs: Rpc[];
  /** stop accepting calls, let running ones finish (at most graceMs), leave VPP */
  close(graceMs?: number): Promise<void>;
}

const identity = (b: Buffer): Buffer => b;

function credentials(cfg: ServerConfig): grpc.ServerCredentials {
  if (!cfg.tlsCert || !cfg.tlsKey) return grpc.ServerCredentials.createInsecure();
  const ca = cfg.tlsClientCa ? readFileSync(cfg.tlsClientCa) : null;
  return grpc.ServerCredentials.createSsl(
    ca,
    [{ cert_chain: readFileSync(cfg.tlsCert), private_key: readFileSync(cfg.tlsKey) }],
    Boolean(ca),
  );
}

/** grpc-js method definitions: requests stay bytes until the handler decodes them (to answer INVALID_ARGUMENT). */
function serviceDefinition(rpcs: Rpc[]): grpc.ServiceDefinition {
  const def: Record<string, grpc.MethodDefinition<Buffer, Value>> = {};
  for (const rpc of rpcs)
    def[rpc.method] = {
      path: rpc.path,
      requestStream: false,
      responseStream: rpc.shape.kind !== 'unary',
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: (v: Value) => rpc.response.encode(v),
      responseDeserialize: (b: Buffer) => rpc.response.decode(b),
      originalName: rpc.method,
    };
  return def as grpc.ServiceDefinition;
}

export async function startServer(cfg: ServerConfig, log: Logger): Promise<RunningServer> {
  const protos = loadProtoIndex(cfg.protoDir);
  const { model } = protos;
  const { errors } = protos;
  const client = new VppClient({
    model,
    codec: createCodec(model),
    errors,
    socketPath: cfg.vppSocket,
    requestTimeoutMs: cfg.requestTimeoutMs,
    liveness: cfg.vppPingIntervalMs > 0 && {
      intervalMs: cfg.vppPingIntervalMs,
      timeoutMs: cfg.vppPingTimeoutMs,
      misses: cfg.vppPingMisses,
    },
    limits: { maxInFlight: cfg.vppMaxInFlight, maxBufferedBytes: cfg.vppMaxBufferedBytes },
    log: log.child({ component: 'vpp' }),
  });
  const rpcs = buildRpcTable(protos, model);
  const statsRpcs = ownRpcTable(protos, STATS_SERVICE);
  const journalOwnRpcs = ownRpcTable(protos, JOURNAL_SERVICE);
  const guards = serverGuards(cfg, rpcs, model, log, [...statsRpcs, ...journalOwnRpcs]);
  const metrics = new ServerMetrics(client);
  const stats = new StatsSource(cfg.statsSocket, statsReaderFactory);
  const kept = journalRpcs(rpcs);
  const etcd = connectEtcd(cfg, log);
  const journal = await openJournal(cfg, log, { model, client, rpcs: kept, etcd });
  if (journal) new JournalMetrics(metrics.registry, journal);
  const availability = new Availability(client, journal);
  const observer: CallObserver = {
    start: () => metrics.start(),
    end(rpc, code, startedAt, err) {
      metrics.end(rpc, code, startedAt);
      // the server's own failures at error, VPP being away or slow at warn; a caller's mistakes
      // (bad input, VPP's retvals) are the caller's to see, so at debug with every other call
      const level = !err ? 'debug' : SERVER_FAULTS.has(code) ? 'error' : AVAILABILITY.has(code) ? 'warn' : 'debug';
      if (log.isLevelEnabled(level))
        log[level](
          {
            rpc: rpc.path,
            code,
            ms: Number(process.hrtime.bigint() - startedAt) / 1e6,
            ...(err ? { err: err.message } : {}),
          },
          err ? 'rpc failed' : 'rpc',
        );
    },
  };
  const opts: HandlerOptions = {
    client,
    defaultTimeoutMs: cfg.requestTimeoutMs,
    observer,
    maxQueuedEvents: cfg.maxQueuedEvents,
    ...(journal ? { journal: { journal, rpc: kept } } : {}),
  };

  const server = new grpc.Server({
    'grpc.max_receive_message_length': cfg.maxMessageSize,
    interceptors: guards.interceptors,
  });
  const byService = new Map<string, Rpc[]>();
  for (const rpc of rpcs) byService.set(rpc.service, [...(byService.get(rpc.service) ?? []), rpc]);
  for (const [, list] of byService) {
    const impl: grpc.UntypedServiceImplementation = {};
    for (const rpc of list)
      impl[rpc.method] =
        rpc.shape.kind === 'unary'
          ? unaryHandler(rpc, opts)
          : rpc.shape.kind === 'events'
            ? eventsHandler(rpc, opts)
            : dumpHandler(rpc, opts);
    server.addService(serviceDefinition(list), impl);
  }
  // many request/reply RPCs on one stream (Batch/Call), each item checked as its unary call is
  const batch = {
    ...opts,
    items: new BatchItems(protos, rpcs, guards.refused),
    settings: { window: cfg.batchWindow, maxWindow: cfg.batchMaxWindow },
    metrics: new BatchMetrics(metrics.registry),
    log,
  };
  server.addService(batchService(), { Call: batchHandler(batch) });
  addStatsService(server, statsRpcs, { source: stats, observer, maxQueuedSamples: 100 });
  addJournalService(server, journalOwnRpcs, { journal, rpcs: kept, observer });

  const services = [...byService.keys(), BATCH_SERVICE, STATS_SERVICE, JOURNAL_SERVICE];
  addHealth(server, services, availability);
  addReflection(server, () => protos.types.all(), services);

  client.on('state', (c) => {
    if (c.state === 'connected')
      log.info({ vpePid: c.vpePid, socket: cfg.vppSocket, silentMs: c.silentMs }, 'connected to VPP');
    else if (c.state === 'not_responding') log.warn({ silentMs: c.silentMs, socket: cfg.vppSocket }, c.reason);
    else if (c.state === 'disconnected') log.warn({ reason: c.reason, socket: cfg.vppSocket }, 'VPP unreachable');
    else if (c.state === 'reconnecting' && c.delayMs !== undefined)
      log.debug({ attempt: c.attempt, delayMs: c.delayMs }, 'reconnecting to VPP');
  });
  client.on('restart', (r) => log.warn(r, 'VPP restarted'));
  void client.connect().catch(() => {});

  const { host, port } = parseHostPort(cfg.listen, '--listen');
  const boundPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync(formatHostPort(host, port), credentials(cfg), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const vppMetrics = cfg.vppMetrics
    ? new VppMetricsExporter(stats, cfg.vppMetricsPatterns.length ? cfg.vppMetricsPatterns : undefined)
    : undefined;
  const metricsEndpoint = await startMetrics(
    metrics.registry,
    cfg.metricsListen,
    vppMetrics && (() => vppMetrics.parts()),
  );
  let registration: Registration | undefined;
  let closing: Promise<void> | undefined;
  /** stop accepting calls, let running ones finish (at most graceMs), leave the fleet and VPP */
  const close = (graceMs = 5000): Promise<void> => {
    closing ??= (async () => {
      // the node leaves the fleet first: gateways stop sending it calls while its running ones finish
      await registration?.close();
      // event streams last until their callers leave: end them first, saying why, or they hold up the shutdown
      await client.endSubscriptions(
        new VppClientError('CLOSED', 'the server is shutting down; events may have been missed: subscribe again'),
      );
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      await journal?.close();
      await etcd?.close();
      await client.close();
      stats.close();
      guards.close();
      await metricsEndpoint.close();
    })();
    return closing;
  };

  if (etcd) {
    try {
      registration = await joinFleet({
        cfg,
        etcd,
        availability,
        client,
        log,
        grpc: { host, port: boundPort },
        ...(metricsEndpoint.port !== undefined ? { metrics: parseHostPort(metricsEndpoint.address, 'metrics') } : {}),
      });
    } catch (e) {
      await close(0);
      throw e;
    }
  }
  announceReady(
    log,
    {
      grpc: formatHostPort(host, boundPort),
      metrics: metricsEndpoint.address,
      rpcs: rpcs.length + statsRpcs.length + journalOwnRpcs.length,
      statsSocket: cfg.statsSocket,
      journal: journal ? journal.status().store.where : 'off',
      tls: Boolean(cfg.tlsCert),
      ...guards.summary,
    },
    'gRPC server listening',
  );

  return { port: boundPort, metricsPort: metricsEndpoint.port, client, rpcs, close };
}

/**
 * The journal, read from its store before the server serves anything: a
 * journal that cannot be read or written stops the server here, saying why,
 * rather than let it answer writes it could not keep.
 */
async function openJournal(
  cfg: ServerConfig,
  log: Logger,
  o: { model: ApiModel; client: VppClient; rpcs: ReturnType<typeof journalRpcs>; etcd: EtcdClient | undefined },
): Promise<Journal | undefined> {
  if (cfg.journal === 'off') return undefined;
  if (cfg.journal === 'etcd' && !o.etcd) throw new Error('--journal etcd keeps the journal in etcd: give --etcd');
  let warned = false;
  const journal = new Journal({
    store: cfg.journal === 'etcd' ? new EtcdStore(o.etcd!, cfg.nodeName) : new FileStore(cfg.stateDir),
    model: o.model,
    indexes: new IndexModel(o.model),
    client: o.client,
    rpcs: o.rpcs,
    log: log.child({ component: 'journal' }),
    replayTimeoutMs: cfg.requestTimeoutMs,
    instance: async () => {
      const pid = o.client.vpePid ?? 0;
      try {
        return { pid, boottime: await readBoottime(cfg.statsSocket, statsReaderFactory) };
      } catch (e) {
        // without the segment a restart that keeps the pid (a container) goes unseen: say so once
        if (!warned)
          log.warn(
            { statsSocket: cfg.statsSocket, err: (e as Error).message },
            "cannot read VPP's start time from its stats segment: the journal tells VPP restarts apart by pid only",
          );
        warned = true;
        return { pid, boottime: 0 };
      }
    },
  });
  await journal.open();
  return journal;
}

/**
 * Prometheus metrics of the server, on their own HTTP port: per-RPC count by
 * status and latency, calls in flight, and the state of the VPP connection.
 */
import type { status } from '@grpc/grpc-js';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { METRICS_BUCKETS } from '../lib/metrics-http.ts';
import type { ClientState, VppClient } from '../vpp/client/index.ts';
import type { CallObserver } from './handlers.ts';
import type { RpcId } from './rpcs.ts';

const STATES: ClientState[] = [
  'idle',
  'connecting',
  'connected',
  'not_responding',
  'disconnected',
  'reconnecting',
  'closed',
];

interface Children {
  duration: ReturnType<Histogram['labels']>;
  byCode: Map<number, ReturnType<Counter['labels']>>;
}

export class ServerMetrics implements Pick<CallObserver, 'start'> {
  readonly registry = new Registry();
  private readonly requests: Counter;
  private readonly duration: Histogram;
  private readonly inFlight: Gauge;
  private readonly vppState: Gauge;
  private readonly reconnects: Counter;
  private readonly restarts: Counter;
  private readonly children = new Map<RpcId, Children>();

  constructor(client: VppClient) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'vpp_rpc_grpc_requests_total',
      help: 'RPCs finished, by method and gRPC status code',
      labelNames: ['service', 'method', 'code'],
      registers,
    });
    this.duration = new Histogram({
      name: 'vpp_rpc_grpc_request_duration_seconds',
      help: 'Time from receiving an RPC to its status (streams: the whole stream)',
      labelNames: ['service', 'method'],
      buckets: METRICS_BUCKETS,
      registers,
    });
    this.inFlight = new Gauge({ name: 'vpp_rpc_grpc_in_flight', help: 'RPCs being served', registers });
    new Gauge({
      name: 'vpp_rpc_vpp_in_flight',
      help: 'Requests sent to VPP and not yet answered',
      registers,
      collect() {
        this.set(client.inFlight);
      },
    });
    new Gauge({
      name: 'vpp_rpc_vpp_event_watchers',
      help: 'Event streams subscribed through the VPP connection',
      registers,
      collect() {
        this.set(client.subscriberCount());
      },
    });
    this.vppState = new Gauge({
      name: 'vpp_rpc_vpp_state',
      help: 'State of the VPP connection (1 for the current one)',
      labelNames: ['state'],
      registers,
    });
    new Gauge({
      name: 'vpp_rpc_vpp_connected',
      help: '1 while connected to VPP',
      registers,
      collect() {
        this.set(client.state === 'connected' ? 1 : 0);
      },
    });
    this.reconnects = new Counter({
      name: 'vpp_rpc_vpp_reconnects_total',
      help: 'Reconnection attempts to VPP',
      registers,
    });
    this.restarts = new Counter({
      name: 'vpp_rpc_vpp_restarts_total',
      help: 'VPP restarts seen (vpe_pid changed)',
      registers,
    });
    const setState = (state: ClientState): void => {
      for (const s of STATES) this.vppState.set({ state: s }, s === state ? 1 : 0);
    };
    setState(client.state);
    client.on('state', (c) => {
      setState(c.state);
      if (c.state === 'reconnecting' && c.attempt !== undefined) this.reconnects.inc();
    });
    client.on('restart', () => this.restarts.inc());
    const unexpected = new Counter({
      name: 'vpp_rpc_vpp_unexpected_messages_total',
      help: "Messages VPP sent on a call's context that do not belong to the call (logged at warn)",
      labelNames: ['request', 'message'],
      registers,
    });
    client.on('unexpected', (u) => unexpected.inc({ request: u.request, message: u.message }));
  }

  private childrenOf(rpc: RpcId): Children {
    let c = this.children.get(rpc);
    if (!c) {
      c = { duration: this.duration.labels(rpc.service, rpc.method), byCode: new Map() };
      this.children.set(rpc, c);
    }
    return c;
  }

  start(): void {
    this.inFlight.inc();
  }

  end(rpc: RpcId, code: status, startedAt: bigint): void {
    this.inFlight.dec();
    const c = this.childrenOf(rpc);
    c.duration.observe(Number(process.hrtime.bigint() - startedAt) / 1e9);
    let counter = c.byCode.get(code);
    if (!counter) {
      counter = this.requests.labels(rpc.service, rpc.method, String(code));
      c.byCode.set(code, counter);
    }
    counter.inc();
  }
}

/**
 * Prometheus metrics of the gateway: requests by route and HTTP status, and
 * latency; the state of its connection to the gRPC server, and the probe's pings.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { METRICS_BUCKETS } from '../lib/metrics-http.ts';
import { UPSTREAM_STATES, type Upstream } from './grpc/upstream.ts';

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter;
  private readonly duration: Histogram;
  private readonly children = new Map<
    string,
    { duration: ReturnType<Histogram['labels']>; byStatus: Map<number, ReturnType<Counter['labels']>> }
  >();

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'vpp_rpc_http_requests_total',
      help: 'HTTP requests answered, by route and status',
      labelNames: ['route', 'status'],
      registers,
    });
    this.duration = new Histogram({
      name: 'vpp_rpc_http_request_duration_seconds',
      help: 'Time from request to the end of the response (streams: the whole stream)',
      labelNames: ['route'],
      buckets: METRICS_BUCKETS,
      registers,
    });
  }

  /** The connection to the gRPC server: its state, its liveness probe, its new sessions. */
  watchUpstream(upstream: Upstream): void {
    const registers = [this.registry];
    const state = new Gauge({
      name: 'vpp_rpc_gateway_upstream_state',
      help: 'State of the connection to the gRPC server (1 for the current one)',
      labelNames: ['state'],
      registers,
    });
    new Gauge({
      name: 'vpp_rpc_gateway_upstream_up',
      help: '1 while the gRPC server answers on the connection',
      registers,
      collect() {
        this.set(upstream.state === 'ready' ? 1 : 0);
      },
    });
    const pings = new Counter({
      name: 'vpp_rpc_gateway_upstream_pings_total',
      help: 'HTTP/2 PINGs sent to the gRPC server after a quiet interval',
      registers,
    });
    const misses = new Counter({
      name: 'vpp_rpc_gateway_upstream_ping_misses_total',
      help: 'PINGs the gRPC server did not answer in time, with nothing else heard from it',
      registers,
    });
    const dials = new Counter({
      name: 'vpp_rpc_gateway_upstream_dials_total',
      help: 'Connections opened to the gRPC server (the first, and each one replacing a lost one)',
      registers,
    });
    const show = (current: string): void => {
      for (const s of UPSTREAM_STATES) state.set({ state: s }, s === current ? 1 : 0);
    };
    show(upstream.state);
    upstream.on('state', (c) => show(c.state));
    upstream.on('ping', () => pings.inc());
    upstream.on('miss', () => misses.inc());
    upstream.on('dial', () => dials.inc());
  }

  observe(route: string, httpStatus: number, startedAt: bigint): void {
    this.observeMs(route, httpStatus, Number(process.hrtime.bigint() - startedAt) / 1e6);
  }

  observeMs(route: string, httpStatus: number, ms: number): void {
    let c = this.children.get(route);
    if (!c) {
      c = { duration: this.duration.labels(route), byStatus: new Map() };
      this.children.set(route, c);
    }
    c.duration.observe(ms / 1000);
    let counter = c.byStatus.get(httpStatus);
    if (!counter) {
      counter = this.requests.labels(route, String(httpStatus));
      c.byStatus.set(httpStatus, counter);
    }
    counter.inc();
  }
}

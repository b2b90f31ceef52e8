/** Prometheus metrics of the gateway: requests by route and HTTP status, and latency. */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { METRICS_BUCKETS } from '../lib/metrics-http.ts';

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

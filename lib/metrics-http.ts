/** A small HTTP server with nothing but GET /metrics, on its own port. */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { boundPortOf, formatHostPort, IDLE_KEEP_ALIVE_MS, parseHostPort } from './listen.ts';

/** from 50 µs: a call against a local VPP takes well under a millisecond */
export const METRICS_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** More exposition after the registry's, made at each scrape (VPP's counters): text, or UTF-8 in pieces. */
export type ExtraMetrics = () => Promise<string | Uint8Array[]>;

/** GET /metrics on host:port; resolves with the bound port. */
export function serveMetrics(registry: Registry, host: string, port: number, extra?: ExtraMetrics): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
      // bytes go out as they are: megabytes of text cost more to flatten and encode than to make
      const body = Promise.all([registry.metrics(), extra?.() ?? '']).then(([own, more]) =>
        typeof more === 'string' ? [own, more] : [own, ...more],
      );
      body.then(
        (parts) => {
          const length = parts.reduce((n, p) => n + (typeof p === 'string' ? Buffer.byteLength(p) : p.length), 0);
          res.writeHead(200, { 'content-type': registry.contentType, 'content-length': length });
          res.cork();
          for (const p of parts) if (p.length > 0) res.write(p);
          res.end();
        },
        (err: Error) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`metrics failed: ${err.message}\n`);
        },
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('only /metrics here\n');
  });
  server.keepAliveTimeout = IDLE_KEEP_ALIVE_MS;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

export interface MetricsEndpoint {
  /** the bound port, or undefined when off */
  port: number | undefined;
  /** where it listens, for the start-up line: `0.0.0.0:9112` or `off` */
  address: string;
  close(): Promise<void>;
}

/** The /metrics listener of a process at `listen` (`host:port`; empty: off). */
export async function startMetrics(registry: Registry, listen: string, extra?: ExtraMetrics): Promise<MetricsEndpoint> {
  if (!listen) return { port: undefined, address: 'off', close: async () => {} };
  const { host, port } = parseHostPort(listen, '--metrics-listen');
  const server = await serveMetrics(registry, host, port, extra);
  const bound = boundPortOf(server)!;
  return {
    port: bound,
    address: formatHostPort(host, bound),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

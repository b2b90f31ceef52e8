/**
 * How long the HTTP listeners (the gateway's REST port, every /metrics port)
 * keep an idle connection open. A client that sends its next request on an
 * idle connection just as the server closes it gets a reset instead of an
 * answer: the client must be the one to close first. Node's default (5 s)
 * closes about 6 s after a request, within reach of a client whose timers run
 * late on a busy machine; 65 s is longer than Prometheus' scrape interval and
 * than the idle time of common clients and load balancers. Closing a
 * listener still closes its idle connections at once.
 */
export const IDLE_KEEP_ALIVE_MS = 65_000;

/** `host:port` as the flags take it; `[::1]:9111` for IPv6. */
export function parseHostPort(text: string, what: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`${what}: expected host:port, got "${text}"`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The port a listening server got (port 0 asks for any). */
export function boundPortOf(server: { address(): unknown } | undefined): number | undefined {
  const a = server?.address();
  return typeof a === 'object' && a !== null && 'port' in a ? (a as { port: number }).port : undefined;
}

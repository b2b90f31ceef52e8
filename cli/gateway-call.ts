/**
 * `vpp-rpc call --node <name>`: the request goes through the fleet gateway's
 * REST route of the message, with `X-VPP-Node: <name>`.
 *
 * Without --node, `call` speaks to a VPP's API socket on this machine; a
 * node of a fleet is elsewhere, and its VPP's socket is not reachable from
 * here. Through the gateway the call takes the product's own way: the same
 * JSON, the node's server with its policy and its journal (a write made so is
 * kept, and put back after that VPP restarts, which a write on VPP's socket
 * would not be), and the gateway's own answer when the node is unknown (404)
 * or not ready (503), with no window between a look-up and the call.
 */
import { ndjsonLines } from '../lib/ndjson-reader.ts';
import { NDJSON_MEDIA_TYPE } from '../lib/wire-names.ts';
import { askGateway, errorMessageOf, FleetError, gatewayHeaders, type GatewayOptions } from './fleet.ts';

export interface GatewayCall extends GatewayOptions {
  node: string;
  /** the message's REST route, e.g. /Vpe/ShowVersion/request */
  path: string;
  kind: 'unary' | 'dump' | 'events';
  /** the request as JSON text */
  body: string;
  ndjson?: boolean;
  /** events: stop after this many */
  count?: number;
  /** events: stop after this long (ms) */
  duration?: number;
  print(json: string): void;
}

/** `{"error": {...}}`: how the gateway ends an NDJSON stream that failed once started. */
function streamError(line: unknown): string | undefined {
  if (typeof line !== 'object' || line === null || Object.keys(line).length !== 1) return undefined;
  const e = (line as { error?: { code?: unknown; message?: unknown } }).error;
  return typeof e?.code === 'number' && typeof e.message === 'string' ? e.message : undefined;
}

/** Sends the call; throws a FleetError with the one line the user is told. */
export async function callThroughGateway(c: GatewayCall): Promise<void> {
  const streaming = c.kind !== 'unary';
  const stop = new AbortController();
  const timer = c.duration ? setTimeout(() => stop.abort(), c.duration) : undefined;
  const onSigint = (): void => stop.abort();
  process.once('SIGINT', onSigint);
  try {
    // an event subscription lasts until --count or --duration: only the others have the CLI's deadline
    const query = c.kind === 'events' ? '' : `?timeout=${c.timeout}ms`;
    let res: Response;
    try {
      res = await askGateway(c, `${c.path}${query}`, {
        method: 'POST',
        headers: gatewayHeaders(c, {
          'content-type': 'application/json',
          accept: streaming ? NDJSON_MEDIA_TYPE : 'application/json',
          'x-vpp-node': c.node,
        }),
        body: c.body,
        // a stream's length is its own: the CLI's timeout bounds its start only
        signal: streaming ? stop.signal : AbortSignal.timeout(c.timeout),
      });
    } catch (e) {
      if (stop.signal.aborted) return;
      throw e;
    }
    if (res.status !== 200) throw new FleetError(errorMessageOf(res.status, await res.text()));
    if (!streaming) return c.print(await res.text());
    const items: string[] = [];
    let seen = 0;
    let failure: string | undefined;
    try {
      for await (const text of ndjsonLines(res.body!)) {
        failure = streamError(JSON.parse(text));
        if (failure !== undefined) break;
        if (c.kind === 'dump' && !c.ndjson) items.push(text);
        else process.stdout.write(text + '\n');
        if (c.kind === 'events' && c.count && ++seen >= c.count) break;
      }
    } catch (e) {
      // --duration or Ctrl-C ended the stream: a normal end
      if (!stop.signal.aborted) throw new FleetError(`the stream from node ${c.node} broke: ${(e as Error).message}`);
    }
    if (failure !== undefined) throw new FleetError(failure);
    if (c.kind === 'dump' && !c.ndjson) c.print(`[${items.join(',')}]`);
  } finally {
    clearTimeout(timer);
    process.off('SIGINT', onSigint);
  }
}

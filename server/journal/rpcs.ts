/** The server's RPCs as the journal uses them, by gRPC path. */
import type { Rpc } from '../rpcs.ts';
import type { JournalRpcInfo } from './journal.ts';

export function journalRpcs(rpcs: readonly Rpc[]): (path: string) => JournalRpcInfo | undefined {
  const byPath = new Map<string, JournalRpcInfo>();
  for (const rpc of rpcs)
    if (rpc.write)
      byPath.set(rpc.path, {
        path: rpc.path,
        message: rpc.vpp.request,
        encode: (v) => rpc.request.encode(v),
        decode: (b) => rpc.request.decode(b),
        toJson: (v) => JSON.parse(rpc.requestJson.toJson(v)) as unknown,
      });
  return (path) => byPath.get(path);
}

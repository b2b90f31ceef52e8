/**
 * `vpp-rpc journal status|export|replay|clear`: the server's journal of what
 * was configured, over gRPC (vpprpc.Journal). `export` writes the NDJSON
 * lines `vpp-rpc apply` and `POST /batch` take.
 */
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import { compileBinary, compileJson, type Value } from '../lib/protobuf/index.ts';

export interface JournalCliOptions {
  server: string;
  token?: string;
  tls?: boolean;
  tlsCa?: string;
  /** clear: really */
  yes?: boolean;
  compact?: boolean;
  timeout: number;
}

const SERVICE = 'vpprpc.Journal';

function credentialsOf(o: JournalCliOptions): grpc.ChannelCredentials {
  if (!o.tls && !o.tlsCa) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(o.tlsCa ? readFileSync(o.tlsCa) : null);
}

/** Runs one journal action; resolves with the process's exit code. */
export async function journalCommand(root: protobuf.Root, action: string, o: JournalCliOptions): Promise<number> {
  if (action === 'clear' && !o.yes) {
    process.stderr.write(
      'vpp-rpc journal clear forgets everything the journal holds: after the next VPP restart nothing is put back. Add --yes.\n',
    );
    return 2;
  }
  const method = root.lookupService(SERVICE).methods[action[0]!.toUpperCase() + action.slice(1)];
  if (!method) {
    process.stderr.write(`vpp-rpc journal: status, export, replay or clear, not ${action}\n`);
    return 2;
  }
  const request = compileBinary(method.resolvedRequestType!);
  const reply = compileBinary(method.resolvedResponseType!);
  const json = compileJson(method.resolvedResponseType!);
  const client = new grpc.Client(o.server, credentialsOf(o));
  const metadata = new grpc.Metadata();
  if (o.token) metadata.set('authorization', `Bearer ${o.token}`);
  const path = `/${SERVICE}/${method.name}`;
  const print = (v: Value): void => {
    const text = json.toJson(v);
    process.stdout.write((o.compact ? text : JSON.stringify(JSON.parse(text), null, 2)) + '\n');
  };
  try {
    if (method.responseStream) {
      const call = client.makeServerStreamRequest(
        path,
        (v: Value) => request.encode(v),
        (b: Buffer) => reply.decode(b),
        {},
        metadata,
        { deadline: Date.now() + o.timeout },
      );
      for await (const line of call as AsyncIterable<Value>) process.stdout.write(`${String(line.json)}\n`);
    } else {
      const answer = await new Promise<Value>((resolve, reject) =>
        client.makeUnaryRequest(
          path,
          (v: Value) => request.encode(v),
          (b: Buffer) => reply.decode(b),
          {},
          metadata,
          // a replay lasts as long as the journal is long
          { deadline: action === 'replay' ? Infinity : Date.now() + o.timeout },
          (err, v) => (err ? reject(err) : resolve(v!)),
        ),
      );
      print(answer);
    }
    return 0;
  } catch (e) {
    const err = e as grpc.ServiceError;
    process.stderr.write(
      `vpp-rpc journal ${action}: ${grpc.status[err.code] ?? err.code}: ${err.details ?? err.message}\n`,
    );
    return 1;
  } finally {
    client.close();
  }
}

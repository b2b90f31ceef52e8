/** The raw baseline of every benchmark: the project's VPP client, connected to a socket, without the product around it. */
import { join } from 'node:path';
import { PROJECT_ROOT } from '../lib/project.ts';
import { loadErrorTable } from '../vpp/api/errors.ts';
import { loadProtoDir } from '../vpp/api/load-proto.ts';
import type { ApiModel } from '../vpp/api/model.ts';
import { VppClient } from '../vpp/client/index.ts';
import { createCodec } from '../vpp/codec/index.ts';

/** A VppClient of `model` (the project's protos when left out) connected to `socketPath`; it does not reconnect. */
export async function rawClient(socketPath: string, model?: ApiModel): Promise<VppClient> {
  const protoDir = join(PROJECT_ROOT, 'proto');
  const m = model ?? loadProtoDir(protoDir).model;
  const client = new VppClient({
    model: m,
    codec: createCodec(m),
    errors: loadErrorTable(protoDir),
    socketPath,
    reconnect: false,
  });
  await client.connect();
  return client;
}

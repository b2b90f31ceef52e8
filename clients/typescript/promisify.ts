/** Promise and array forms of grpc-js client methods, for code that awaits. */
import { Metadata, type CallOptions, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';

/** The full overload of a ts-proto unary method (the one TypeScript infers from). */
type Unary<Req, Res> = (
  req: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (err: ServiceError | null, res: Res) => void,
) => unknown;

export const promisify = {
  /** `await promisify.unary(client.showVersion.bind(client), {})` */
  unary<Req, Res>(
    method: Unary<Req, Res>,
    req: Req,
    options: Partial<CallOptions> = {},
    metadata = new Metadata(),
  ): Promise<Res> {
    return new Promise((resolve, reject) =>
      method(req, metadata, options, (err, res) => (err ? reject(err) : resolve(res))),
    );
  },
  /** collect a server stream (a dump) into an array */
  async all<Res>(stream: ClientReadableStream<Res>): Promise<Res[]> {
    const out: Res[] = [];
    for await (const item of stream) out.push(item as Res);
    return out;
  },
};

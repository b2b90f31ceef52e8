/**
 * The REST batch path of the bulk benchmark (bench/batch.ts): one request to
 * `POST /{Service}/{Rpc}/batch` whose NDJSON body is produced as the gateway
 * takes it, while the answer lines are counted as they stream back.
 */
import http from 'node:http';
import type { Value } from '../vpp/codec/types.ts';
import { NDJSON_MEDIA_TYPE } from '../lib/wire-names.ts';

/** NDJSON of `n` lines, `line(i)` each, in chunks of about 64 KiB, made as the request takes them. */
export function* ndjsonChunks(n: number, line: (i: number) => Value): Generator<Buffer> {
  let text = '';
  for (let i = 0; i < n; i++) {
    text += JSON.stringify(line(i)) + '\n';
    if (text.length >= 65536) {
      yield Buffer.from(text);
      text = '';
    }
  }
  if (text) yield Buffer.from(text);
}

export interface RestBatchResult {
  items: number;
  /** answers that were errors */
  errors: number;
  /** the first error line */
  firstError?: string;
}

/**
 * POST `body` to `${rest}${path}` in one request, writing it as the gateway
 * takes it; answers are counted as they come (a line in the unary error shape
 * starts with `{"code":`, a reply does not).
 */
export function restBatch(rest: string, path: string, body: Iterable<Buffer>): Promise<RestBatchResult> {
  return new Promise((resolve, reject) => {
    let items = 0;
    let errors = 0;
    let firstError: string | undefined;
    const req = http.request(
      new URL(path, rest),
      { method: 'POST', headers: { 'content-type': NDJSON_MEDIA_TYPE, accept: NDJSON_MEDIA_TYPE } },
      (res) => {
        if (res.statusCode !== 200) reject(new Error(`${path}: HTTP ${res.statusCode}`));
        let tail = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const text = tail + chunk;
          let from = 0;
          for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
            if (text.startsWith('{"code":', from)) {
              errors++;
              firstError ??= text.slice(from, Math.min(nl, from + 300));
            }
            items++;
            from = nl + 1;
          }
          tail = text.slice(from);
        });
        res.on('end', () => resolve({ items, errors, ...(firstError ? { firstError } : {}) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    const chunks = body[Symbol.iterator]();
    const write = (): void => {
      for (let next = chunks.next(); !next.done; next = chunks.next())
        if (!req.write(next.value)) return void req.once('drain', write);
      req.end();
    };
    write();
  });
}

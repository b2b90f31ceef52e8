/** Helpers for the security tests: HTTPS and source-address clients, bearer metadata, errors, waiting. */
import { writeFileSync } from 'node:fs';
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { Agent, fetch as undiciFetch, type RequestInit as UndiciInit } from 'undici';
import { resultOf, type HttpResult } from './http.ts';
import { waitFor } from './wait.ts';

export interface HttpClient {
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpResult>;
  /** the raw response, for streams */
  open(path: string, init: UndiciInit): ReturnType<typeof undiciFetch>;
  close(): Promise<void>;
}

/** Requests to `base` through one agent: trusting `ca`, from `localAddress` (any 127.x.y.z is this host). */
export function httpClient(base: string, opts: { ca?: Buffer; localAddress?: string } = {}): HttpClient {
  const agent = new Agent({
    ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    ...(opts.ca ? { connect: { ca: opts.ca } } : {}),
  });
  const open = (path: string, init: UndiciInit) => undiciFetch(base + path, { ...init, dispatcher: agent });
  return {
    open,
    async post(path, body, headers = {}) {
      const res = await open(path, {
        method: 'POST',
        headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      return resultOf(res);
    },
    close: () => agent.close(),
  };
}

export function bearer(token: string): Metadata {
  const md = new Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
}

/** The error a promise rejects with; fails when it resolves. */
export async function failure(p: Promise<unknown>): Promise<ServiceError> {
  return p.then(
    (v) => {
      throw new Error(
        `expected a failure, got ${JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x))}`,
      );
    },
    (e: unknown) => e as ServiceError,
  );
}

export function writeTokens(file: string, tokens: string[]): void {
  writeFileSync(file, `# vpp-rpc test tokens\n${tokens.join('\n')}\n`);
}

/** Tries `attempt` until it answers true; the deadline only bounds a hang. */
export async function retry(attempt: () => Promise<boolean>, what: string): Promise<void> {
  await waitFor(what, attempt, 30_000, 50);
}

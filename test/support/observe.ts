/**
 * What end-to-end tests read from outside the processes: Prometheus metrics,
 * open file descriptors and resident memory from /proc, gRPC health.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { GrpcClient } from '../../gateway/grpc/client.ts';
import { checkReady } from '../../gateway/grpc/readiness.ts';

export { waitFor } from './wait.ts';

/** Samples of a /metrics page, by name with labels as printed (`name{a="b"}`). */
export async function scrape(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

export const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;

/** The server's health service, as the gateway's /readyz asks it. */
export class Health {
  private readonly client: GrpcClient;
  constructor(target: string) {
    this.client = new GrpcClient({ target });
  }
  async serving(): Promise<boolean> {
    return (await checkReady(this.client, 500)).ready;
  }
  close(): void {
    this.client.close();
  }
}

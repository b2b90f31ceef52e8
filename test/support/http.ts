/** Small HTTP helpers for end-to-end tests, plus the simulator's control socket. */
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export async function post(url: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  const init: RequestInit = { method: 'POST', headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    if (!('content-type' in headers)) (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  return request(url, init);
}

export async function request(url: string, init: RequestInit = {}): Promise<HttpResult> {
  return resultOf(await fetch(url, init));
}

/** A response read to its end: text, and JSON when it is JSON. */
export async function resultOf(res: {
  status: number;
  headers: unknown;
  text(): Promise<string>;
}): Promise<HttpResult> {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers as Headers, text, json };
}

/** The real curl binary, as users run it. */
export function curl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('curl', ['-sS', ...args], { timeout: 20_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
}

/** One command to the simulator's control socket; its one-line JSON answer. */
export function simControl(socket: string, command: Record<string, unknown>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const s = connect({ path: `${socket}.control` });
    s.once('error', reject);
    s.once('connect', () => s.write(JSON.stringify(command) + '\n'));
    createInterface({ input: s }).once('line', (line) => {
      s.end();
      resolve(JSON.parse(line) as Record<string, unknown>);
    });
  });
}

/** Read Server-Sent Events until `count` data events arrived; the events' JSON. */
export async function readSse(res: Response, count: number): Promise<unknown[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: unknown[] = [];
  let buf = '';
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let i: number;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const data = block
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n');
      if (data) events.push(JSON.parse(data));
    }
  }
  await reader.cancel();
  return events;
}

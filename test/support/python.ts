/** Debian's Python with grpcio, and Python stubs compiled from proto/ once per test run. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROTO_DIR } from './paths.ts';

export const PYTHON = '/usr/bin/python3';

let stubs: string | undefined;

/** Compile every proto (with grpc_tools, as a Python user would) into a temporary folder. */
export function pythonStubs(): string {
  if (stubs) return stubs;
  const out = mkdtempSync(join(tmpdir(), 'vpp-rpc-py-'));
  const files = execFileSync('find', ['.', '-name', '*.proto'], { cwd: PROTO_DIR, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^\.\//, ''));
  execFileSync(
    PYTHON,
    ['-m', 'grpc_tools.protoc', '-I', PROTO_DIR, `--python_out=${out}`, `--grpc_python_out=${out}`, ...files],
    {
      stdio: 'pipe',
    },
  );
  stubs = out;
  return out;
}

/** Run a Python script with arguments; its stdout parsed as JSON. */
export function runPython(script: string, args: string[], timeoutMs = 60_000): unknown {
  const text = execFileSync(PYTHON, [script, ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(text);
}

/**
 * What the deployment files (docker/compose*.yaml, deploy/kubernetes/) are
 * checked against: the options the server and the gateway really have, and
 * YAML read with the PyYAML that docker-compose brings along.
 */
import { execFileSync } from 'node:child_process';
import type { Command } from 'commander';
import { gatewayCommand } from '../../gateway/config.ts';
import { serverCommand } from '../../server/config.ts';

export interface Options {
  /** long flags, `--listen` */
  flags: Set<string>;
  /** environment variables */
  env: Set<string>;
}

function optionsOf(command: Command): Options {
  return {
    flags: new Set(command.options.map((o) => o.long!).filter(Boolean)),
    env: new Set(command.options.map((o) => o.envVar!).filter(Boolean)),
  };
}

export const SERVER_OPTIONS = optionsOf(serverCommand());
export const GATEWAY_OPTIONS = optionsOf(gatewayCommand());

/** Does the gateway take this environment variable? */
export const gatewayTakesEnv = (name: string): boolean => GATEWAY_OPTIONS.env.has(name);
export const gatewayTakesFlag = (flag: string): boolean => GATEWAY_OPTIONS.flags.has(flag);

/** Every document of a YAML text, as JSON values. */
export function yamlDocuments(text: string): unknown[] {
  const script =
    'import json, sys, yaml\njson.dump([d for d in yaml.safe_load_all(sys.stdin) if d is not None], sys.stdout)';
  let out: string;
  try {
    out = execFileSync('/usr/bin/python3', ['-c', script], { input: text, encoding: 'utf8' });
  } catch (e) {
    throw new Error(`reading YAML needs python3 with PyYAML (docker-compose depends on it): ${(e as Error).message}`);
  }
  return JSON.parse(out) as unknown[];
}

/** `--flag=value` or `--flag value` pairs of an argument list; `--switch` alone has value ''. */
export function flagsOf(args: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) throw new Error(`argument ${a}: expected --flag=value`);
    const eq = a.indexOf('=');
    if (eq >= 0) out.set(a.slice(0, eq), a.slice(eq + 1));
    else out.set(a, args[i + 1] && !args[i + 1]!.startsWith('--') ? args[++i]! : '');
  }
  return out;
}

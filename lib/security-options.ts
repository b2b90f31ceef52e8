/**
 * The security flags both processes take (tokens, read-only, allow/deny,
 * streams per client), so that one environment configures REST and gRPC alike.
 */
import { Option, type Command } from 'commander';
import { limitArg, readSwitch } from './cli-options.ts';
import { patternList } from './policy.ts';

export interface SecurityConfig {
  /** bearer tokens, one per line; absent: no authentication */
  authTokens?: string;
  readOnly: boolean;
  allow: string[];
  deny: string[];
  /** open streams one client may have; 0: no limit */
  maxStreamsPerClient: number;
}

const patterns = (v: string, prior: string[]): string[] => [...prior, ...patternList(v)];

/** `streamsEnv` differs per process: the gateway is one client of the server. */
export function addSecurityOptions(cmd: Command, streamsEnv: string, streamsHelp: string): Command {
  return cmd
    .addOption(
      new Option('--auth-tokens <file>', 'require Authorization: Bearer <token>, tokens from this file').env(
        'VPP_RPC_AUTH_TOKENS_FILE',
      ),
    )
    .addOption(
      new Option('--read-only', 'serve only requests that read (dumps, show, get, event subscriptions)')
        .env('VPP_RPC_READ_ONLY')
        .default(false),
    )
    .addOption(
      new Option('--allow <patterns>', 'serve only RPCs matching these globs (Service/Rpc, Rpc or vpp_name; commas)')
        .env('VPP_RPC_ALLOW')
        .argParser(patterns)
        .default([]),
    )
    .addOption(
      new Option('--deny <patterns>', 'refuse RPCs matching these globs; deny wins over allow')
        .env('VPP_RPC_DENY')
        .argParser(patterns)
        .default([]),
    )
    .addOption(new Option('--max-streams-per-client <n>', streamsHelp).env(streamsEnv).default(0).argParser(limitArg));
}

export function securityConfig(cmd: Command): SecurityConfig {
  const o = cmd.opts<SecurityConfig>();
  return {
    authTokens: o.authTokens,
    readOnly: readSwitch(cmd, 'readOnly'),
    allow: o.allow,
    deny: o.deny,
    maxStreamsPerClient: o.maxStreamsPerClient,
  };
}

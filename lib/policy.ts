/**
 * Which RPCs a process serves: read-only mode and allow/deny lists of glob
 * patterns. Decided once per RPC at start; the request path only looks the
 * answer up. Both processes use this module, so REST and gRPC agree.
 */
import type { ErrorInfo } from './grpc/status-details.ts';
import { ERROR_INFO_TYPE_URL } from './wire-names.ts';

/** The shapes of vpp/api/mapping.ts `rpcShape`. */
export type RpcKind = 'unary' | 'dump' | 'cursor' | 'events';

export interface RpcName {
  /** short service name: `Vpe`, `Interface` */
  service: string;
  /** `ShowVersion` */
  method: string;
  /** VPP request message: `show_version` */
  request: string;
  kind: RpcKind;
  /** the product's own RPCs (no VPP request) say themselves whether they only read: (vpprpc.own) */
  reads?: boolean;
}

export interface PolicyOptions {
  readOnly: boolean;
  allow: string[];
  deny: string[];
}

export interface Refusal {
  /** `read-only`, `deny` or `allow` */
  rule: 'read-only' | 'deny' | 'allow';
  /** the deny pattern that matched */
  pattern?: string;
  message: string;
}

/** Request names whose words say they read: `show_version`, `sw_interface_get_table`, `get_node_index`. */
const READ_WORDS = /(^|_)(show|get|dump)(_|$)/;

/** Unary requests that only read, though their names do not say so. */
export const READS_BY_NAME: ReadonlySet<string> = new Set([
  'control_ping',
  'acl_plugin_control_ping',
  'dhcp_plugin_control_ping',
  'api_versions',
  'classify_table_ids',
  'classify_table_by_interface',
  'classify_table_info',
  'classify_pcap_lookup_table',
  'classify_trace_lookup_table',
  'ip_route_lookup',
  'ip_route_lookup_v2',
  'pnat_flow_lookup',
  'det44_forward',
  'det44_reverse',
  'nat_det_forward',
  'nat_det_reverse',
  'tm_sys_node_read_stats',
]);

/**
 * Event subscriptions that act on the dataplane while subscribed:
 * ping sends ICMP echo requests; the L2 MAC one sets the global learn limit
 * and flushes every learned MAC.
 */
export const SUBSCRIPTIONS_THAT_WRITE: ReadonlySet<string> = new Set([
  'want_ping_finished_events',
  'want_l2_macs_events',
]);

/**
 * Whether read-only mode serves an RPC:
 * - every dump and cursor stream (they answer with details and change nothing);
 * - event subscriptions named `want_*` (or `*_dump*`), except those that write;
 * - unary requests with a word `show`, `get` or `dump` in their name, and READS_BY_NAME.
 * Everything else is refused, `cli_inband` and `cli` included: they run any VPP CLI command.
 */
export function isRead(request: string, kind: RpcKind): boolean {
  switch (kind) {
    case 'dump':
    case 'cursor':
      return true;
    case 'events':
      return (request.startsWith('want_') || READ_WORDS.test(request)) && !SUBSCRIPTIONS_THAT_WRITE.has(request);
    case 'unary':
      return READ_WORDS.test(request) || READS_BY_NAME.has(request);
  }
}

const PATTERN = /^[A-Za-z0-9_.*?/]+$/;

/** A glob (`*` any run, `?` one character) as an anchored regular expression. */
export function globRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** A pattern with `/` matches `Service/Rpc`; one without matches the RPC name or the VPP request name. */
function matcher(pattern: string): (rpc: RpcName) => boolean {
  if (!PATTERN.test(pattern)) throw new Error(`pattern "${pattern}": use letters, digits, _ . / and the wildcards * ?`);
  const re = globRegExp(pattern);
  if (pattern.includes('/')) return (rpc) => re.test(`${rpc.service}/${rpc.method}`);
  return (rpc) => re.test(rpc.method) || re.test(rpc.request);
}

/** `a,b` and repeated flags alike: the list of patterns. */
export function patternList(values: string | string[] | undefined): string[] {
  const all = Array.isArray(values) ? values : values === undefined ? [] : [values];
  return all
    .flatMap((v) => v.split(','))
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

export type Policy = (rpc: RpcName) => Refusal | undefined;

/**
 * The policy of `opts` over `rpcs`, or undefined when there is none (nothing
 * to check). A pattern that matches no RPC is an error: a typo must not
 * leave open what it was meant to close.
 */
export function compilePolicy(opts: PolicyOptions, rpcs: readonly RpcName[]): Policy | undefined {
  if (!opts.readOnly && opts.allow.length === 0 && opts.deny.length === 0) return undefined;
  const compile = (flag: string, patterns: string[]) =>
    patterns.map((pattern) => {
      const test = matcher(pattern);
      if (!rpcs.some(test)) throw new Error(`--${flag} ${pattern} matches no RPC`);
      return { pattern, test };
    });
  const deny = compile('deny', opts.deny);
  const allow = compile('allow', opts.allow);
  return (rpc) => {
    const name = `${rpc.service}/${rpc.method}${rpc.request ? ` (${rpc.request})` : ''}`;
    const denied = deny.find((d) => d.test(rpc));
    if (denied)
      return { rule: 'deny', pattern: denied.pattern, message: `${name} is refused by --deny ${denied.pattern}` };
    if (allow.length > 0 && !allow.some((a) => a.test(rpc)))
      return { rule: 'allow', message: `${name} is refused: it matches no --allow pattern` };
    if (opts.readOnly && !(rpc.reads ?? isRead(rpc.request, rpc.kind)))
      return {
        rule: 'read-only',
        message: `${name} is refused by --read-only: it changes VPP's state or runs commands`,
      };
    return undefined;
  };
}

/**
 * The refusals of `opts` over some RPCs, keyed as the caller likes (gRPC path,
 * route); empty without a policy. Throws when a pattern matches none of them.
 */
export function refusals<K>(opts: PolicyOptions, rpcs: [K, RpcName][]): Map<K, Refusal> {
  const out = new Map<K, Refusal>();
  const policy = compilePolicy(
    opts,
    rpcs.map(([, n]) => n),
  );
  if (!policy) return out;
  for (const [key, rpc] of rpcs) {
    const r = policy(rpc);
    if (r) out.set(key, r);
  }
  return out;
}

/** `vpp.vpe.Vpe` → `Vpe`: the service name patterns use. */
export const shortService = (fullName: string): string => fullName.slice(fullName.lastIndexOf('.') + 1);

const REASONS = { 'read-only': 'READ_ONLY', deny: 'DENIED', allow: 'NOT_ALLOWED' } as const;

/** The refusal as a google.rpc.ErrorInfo detail, for callers that read details rather than messages. */
export function refusalInfo(r: Refusal): ErrorInfo {
  return {
    '@type': ERROR_INFO_TYPE_URL,
    reason: REASONS[r.rule],
    domain: 'vpp-rpc',
    metadata: { rule: r.rule, ...(r.pattern ? { pattern: r.pattern } : {}) },
  };
}

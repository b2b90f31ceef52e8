/**
 * The few CLI commands cli_inband runs, printed like VPP prints them:
 * `show version`, `show interface [address] [<name>…]`, `show ip fib` and
 * `show ip6 fib` (`[table <id>]`). Words may be shortened to any unique
 * prefix (`sh int`). Anything else fails as VPP's CLI fails: retval -1 and
 * "unknown input `…'".
 */
import { RV } from './retval.ts';
import type { SimState } from './state/index.ts';
import type { SimInterface } from './state/interfaces.ts';
import { NH_PROTO, PATH_TYPE, type FibEntry, type FibPath, type FibTable } from './state/ip.ts';
import { compareByAddress, prefixText } from './state/prefix.ts';

export interface CliResult {
  retval: number;
  output: string;
}

type Run = (args: string[], state: SimState) => CliResult;

interface Command {
  name: string;
  run?: Run;
  children?: Command[];
}

const ok = (lines: string[]): CliResult => ({ retval: RV.OK, output: lines.map((l) => `${l}\n`).join('') });

function unknownInput(path: string[], rest: string[]): CliResult {
  const what = `unknown input \`${rest.join(' ')}'`;
  return { retval: RV.UNSPECIFIED, output: `${path.length ? `${path.join(' ')}: ` : ''}${what}\n` };
}

/** VPP's `%=Ns`: centred, the odd space on the left. */
function centre(s: string, width: number): string {
  const pad = Math.max(0, width - s.length);
  const left = Math.ceil(pad / 2);
  return ' '.repeat(left) + s + ' '.repeat(pad - left);
}

const byName = (state: SimState): SimInterface[] =>
  [...state.interfaces.all()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

/** The interfaces named in `args`, or the words that name none. */
function pickInterfaces(args: string[], state: SimState): SimInterface[] | string[] {
  const unknown = args.filter((a) => !state.interfaces.named(a));
  if (unknown.length) return unknown;
  return args.length ? args.map((a) => state.interfaces.named(a)!) : byName(state);
}

const showVersion: Run = (args, state) => {
  if (args.length) return unknownInput(['show', 'version'], args);
  const s = state.system;
  return ok([`vpp v${s.version} built by ${s.buildUser} on ${s.buildHost} at ${s.buildDate}`]);
};

const showInterface: Run = (args, state) => {
  const picked = pickInterfaces(args, state);
  if (typeof picked[0] === 'string') return unknownInput(['show', 'interface'], picked as string[]);
  const header =
    centre('Name', 32) +
    centre('Idx', 5) +
    centre('State', 10) +
    centre('MTU (L3/IP4/IP6/MPLS)', 21) +
    centre('Counter', 16) +
    centre('Count', 16);
  const rows = (picked as SimInterface[]).map(
    (i) =>
      i.name.padEnd(32) +
      centre(String(i.swIfIndex), 5) +
      centre(i.adminUp ? 'up' : 'down', 10) +
      centre(i.mtu.join('/'), 21),
  );
  return ok([header, ...rows]);
};

const showInterfaceAddress: Run = (args, state) => {
  const picked = pickInterfaces(args, state);
  if (typeof picked[0] === 'string') return unknownInput(['show', 'interface', 'address'], picked as string[]);
  const lines: string[] = [];
  for (const i of picked as SimInterface[]) {
    lines.push(`${i.name} (${i.adminUp ? 'up' : 'dn'}):`);
    for (const isIp6 of [false, true]) {
      const tableId = state.ip.tableIdOf(i.swIfIndex, isIp6);
      const where =
        tableId === 0
          ? ''
          : ` ip${isIp6 ? 6 : 4} table-id ${tableId} fib-idx ${state.ip.table(isIp6, tableId)!.fibIndex}`;
      for (const a of state.ip.addressesOf(i.swIfIndex, isIp6)) lines.push(`  L3 ${prefixText(a.prefix)}${where}`);
    }
  }
  return ok(lines);
};

function locks(t: FibTable): string {
  const held: string[] = [];
  if (t.apiLock) held.push('API:1');
  if (t.boundInterfaces) held.push(`interface:${t.boundInterfaces}`);
  if (t.tableId === 0) held.push('default-route:1');
  return held.map((h) => `${h}, `).join('');
}

function pathLine(p: FibPath, e: FibEntry, ip: string, state: SimState): string {
  const itf = state.interfaces.get(p.swIfIndex);
  if (p.type === PATH_TYPE.DROP) return `[@0]: dpo-drop ${ip}`;
  if (p.type === PATH_TYPE.LOCAL) return `[@2]: dpo-receive: ${p.nh} on ${itf?.name ?? p.swIfIndex}`;
  const family = p.proto === NH_PROTO.IP6 ? 'ipv6' : 'ipv4';
  if (itf && !p.nh) return `[@4]: ${family}-glean: [src:${prefixText(e.prefix)}] ${itf.name}: mtu:${itf.mtu[0]}`;
  if (itf) return `[@3]: ${p.proto === NH_PROTO.IP6 ? 'ndp' : 'arp'}-${family}: via ${p.nh} ${itf.name}`;
  if (p.nh) return `[@12]: recursive via ${p.nh} in table ${p.tableId}`;
  return `[@0]: ${ip}-link-local`;
}

function showFib(isIp6: boolean): Run {
  const ip = isIp6 ? 'ip6' : 'ip4';
  return (args, state) => {
    let tables = state.ip.allTables().filter((t) => t.isIp6 === isIp6);
    if (args.length) {
      const id = args[0] === 'table' && args.length === 2 ? Number(args[1]) : NaN;
      if (!Number.isInteger(id)) return unknownInput(['show', isIp6 ? 'ip6' : 'ip', 'fib'], args);
      tables = tables.filter((t) => t.tableId === id);
    }
    const lines: string[] = [];
    for (const t of tables) {
      lines.push(
        `${t.name}, fib_index:${t.fibIndex}, flow hash:[src dst sport dport proto flowlabel ] epoch:0 flags:none locks:[${locks(t)}]`,
      );
      const entries = [...t.entries.values()].sort((a, b) => compareByAddress(a.prefix, b.prefix));
      for (const e of entries) {
        const { paths } = state.ip.forwarding(t, e);
        lines.push(
          prefixText(e.prefix),
          `  unicast-${ip}-chain`,
          `  [@0]: dpo-load-balance: [proto:${ip} index:${e.statsIndex} buckets:${paths.length} uRPF:${e.statsIndex - 1} to:[0:0]]`,
          ...paths.map((p, n) => `    [${n}] ${pathLine(p, e, ip, state)}`),
        );
      }
    }
    return ok(lines);
  };
}

const ROOT: Command = {
  name: '',
  children: [
    {
      name: 'show',
      children: [
        { name: 'version', run: showVersion },
        { name: 'interface', run: showInterface, children: [{ name: 'address', run: showInterfaceAddress }] },
        { name: 'ip', children: [{ name: 'fib', run: showFib(false) }] },
        { name: 'ip6', children: [{ name: 'fib', run: showFib(true) }] },
      ],
    },
  ],
};

/** Run one command line as `cli_inband` does. */
export function runCli(line: string, state: SimState): CliResult {
  const words = line.trim().split(/\s+/).filter(Boolean);
  let node = ROOT;
  const path: string[] = [];
  let i = 0;
  for (; i < words.length; i++) {
    const w = words[i]!;
    const children = node.children ?? [];
    const exact = children.find((c) => c.name === w);
    const matches = exact ? [exact] : children.filter((c) => c.name.startsWith(w));
    if (matches.length !== 1) break;
    node = matches[0]!;
    path.push(node.name);
  }
  const rest = words.slice(i);
  if (node.run) return node.run(rest, state);
  return unknownInput(path, rest);
}

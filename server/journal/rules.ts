/**
 * What the journal keeps of each request, and how a later request can make an
 * earlier one unnecessary: read from the API model (field names and types,
 * message names), written once here.
 *
 * - A request that only acts once (sends packets, starts a session, clears
 *   counters, captures) is not kept: replaying it after a restart would act
 *   again, and it configures nothing. ACTS_ONCE lists them.
 * - `cli_inband` is kept unless its command only shows or acts once (first
 *   word `show`, `clear`, `ping`…, abbreviations included): a CLI command may
 *   configure anything, and the journal cannot tell what, so it is replayed
 *   as it was typed.
 * - An add/delete pair: a request with a flag field (`is_add`, `enable`,
 *   `is_del`…) that turns off exactly what an earlier one turned on (every
 *   other field equal) undoes it: both go.
 * - A `set`: a request named `*_set_*` without such a flag sets something
 *   identified by its top-level ids and indexes (`sw_interface_set_flags` by
 *   `sw_if_index`); a later set of the same thing replaces the earlier one.
 * - A delete: a request named `delete_*`/`*_del`… without a flag deletes the
 *   objects its top-level index fields name (`delete_loopback`, `acl_del`).
 * Anything else is kept as it is.
 */
import type { ApiModel, MessageDef } from '../../vpp/api/model.ts';
import { fieldViews } from '../../vpp/api/mapping.ts';
import type { IndexModel } from '../../vpp/api/indexes.ts';

/** Requests that act once rather than configure: never kept. */
const ACTS_ONCE_PATTERN = /(^|_)(initiate|send|capture|kill)(_|$)|_clear_stats$|^trace_clear_|^pcap_trace_/;
const ACTS_ONCE: ReadonlySet<string> = new Set([
  'pg_enable_disable', // starts or stops packet generator streams
  'policer_reset', // refills a policer's buckets
  'ipfix_flush',
  'one_stats_flush',
  'nat44_del_session', // sessions are traffic's state, not configuration
  'nat44_ei_del_session',
  'nat44_ei_del_user',
  'cli', // its command sits in VPP's shared memory: meaningless over the socket
  'udp_ping_export',
]);

/** Flag fields of add/delete requests: true adds, except for `is_del`. */
const ADD_FLAGS = ['is_add', 'add', 'enable', 'enable_disable', 'is_enable', 'is_set'];
const DEL_FLAGS = ['is_del'];

/** First words of CLI commands that only show or act once (any abbreviation of two letters or more). */
const CLI_ACTS_ONCE = [
  'show',
  'clear',
  'ping',
  'traceroute',
  'trace',
  'pcap',
  'test',
  'help',
  'quit',
  'exit',
  'comment',
];

const SET_NAME = /(^|_)set(_|$)/;
const DELETE_NAME = /(^|_)(del|delete)(_|$)/;
/** Top-level fields that tell one set target from another, besides index fields. */
const SUBJECT_NAME = /(_id|^is_ipv6|^is_ip6|^is_ip4|^af)$/;

export interface MessageRules {
  /** never: the request acts once; cli: depends on the command */
  keep: 'always' | 'never' | 'cli';
  /** the add/delete flag, its proto field number, and whether true means add */
  flag?: { field: string; number: number; addWhen: boolean };
  /** a set: the top-level fields naming what it sets (empty: one setting for the whole VPP) */
  subject?: string[];
  /** a delete of the objects its top-level index fields name */
  deletes: boolean;
}

export class JournalRules {
  private readonly cache = new Map<string, MessageRules>();

  constructor(
    private readonly model: ApiModel,
    private readonly indexes: IndexModel,
  ) {}

  of(message: string): MessageRules {
    let r = this.cache.get(message);
    if (!r) {
      r = this.derive(message);
      this.cache.set(message, r);
    }
    return r;
  }

  private derive(name: string): MessageRules {
    const def = this.model.messages.get(name);
    if (ACTS_ONCE.has(name) || ACTS_ONCE_PATTERN.test(name) || !def) return { keep: 'never', deletes: false };
    if (name === 'cli_inband') return { keep: 'cli', deletes: false };
    const flag = flagOf(def);
    if (flag) return { keep: 'always', flag, deletes: false };
    const views = fieldViews(this.model, def).filter((v) => !v.hidden);
    if (SET_NAME.test(name)) {
      const subject = views
        .filter(
          (v) =>
            !v.repeated && !v.bytes && (this.indexes.kindOf(def, v) !== undefined || SUBJECT_NAME.test(v.field.name)),
        )
        .map((v) => v.field.name);
      const flat = views.every((v) => v.element.kind !== 'struct' && v.element.kind !== 'union' && !v.repeated);
      // without a field naming its target, a set of structs or lists may set one of many things: keep every one
      if (subject.length > 0 || flat) return { keep: 'always', subject, deletes: false };
      return { keep: 'always', deletes: false };
    }
    return { keep: 'always', deletes: DELETE_NAME.test(name) };
  }
}

/** The add/delete flag of a request; proto field numbers are VPP field positions from 1 (mapping.ts). */
function flagOf(def: MessageDef): MessageRules['flag'] {
  for (const [i, f] of def.fields.entries()) {
    if (f.type !== 'bool' && f.type !== 'u8') continue;
    if (ADD_FLAGS.includes(f.name)) return { field: f.name, number: i + 1, addWhen: true };
    if (DEL_FLAGS.includes(f.name)) return { field: f.name, number: i + 1, addWhen: false };
  }
  return undefined;
}

/** Whether a `cli_inband` command is kept: it may configure (anything but showing or acting once). */
export function keepsCliCommand(command: string): boolean {
  const first = command.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  if (first === '' || first === '?' || first.startsWith('#')) return false;
  if (first.length < 2) return true;
  if (CLI_ACTS_ONCE.some((w) => w.startsWith(first))) return false;
  // `packet-generator new` configures a stream; enabling or capturing runs it
  const second = command.trim().split(/\s+/)[1]?.toLowerCase() ?? '';
  return !('packet-generator'.startsWith(first) && /^(en|di|cap)/.test(second));
}

/**
 * A seeded corpus of bad HTTP requests for the gateway, by category, each
 * with the statuses it may get. Every request is bad in one known way, so
 * that no answer but the expected refusal is right.
 */
import { METHODS } from 'node:http';
import protobuf from 'protobufjs';
import {
  BAD_TEXT,
  enumSize,
  fieldPaths,
  jsonAt,
  kindOf,
  Rng,
  schedule,
  sample,
  setByClient,
  TEXT_TYPES,
  vppField,
  vppRange,
  type Kind,
  type Step,
  type Target,
} from './corpus.ts';

export interface HttpCase {
  category: string;
  method: string;
  /** path and query */
  path: string;
  headers: Record<string, string>;
  body?: string;
  expect: readonly number[];
}

type Made = Pick<HttpCase, 'path'> & Partial<Pick<HttpCase, 'method' | 'headers' | 'body'>>;

interface Pools {
  targets: Target[];
  streaming: Target[];
  routes: Set<string>;
  /** every (target, path to a field), and the ones a category needs */
  fields: { target: Target; path: Step[] }[];
  numeric: { target: Target; path: Step[] }[];
  vppRanged: { target: Target; path: Step[] }[];
  enums: { target: Target; path: Step[] }[];
  texts: { target: Target; path: Step[] }[];
  /** fields whose refusal of a long string does not depend on VPP's answer */
  longStringRefused: { target: Target; path: Step[] }[];
  messages: { target: Target; path: Step[] }[];
  camel: { target: Target; field: protobuf.Field }[];
  oneofs: { target: Target; members: protobuf.Field[] }[];
  bodyLimit: number;
}

interface Category {
  name: string;
  /** share of the corpus, per 10,000 */
  per10k: number;
  expect: readonly number[];
  make(rng: Rng, p: Pools): Made;
}

const J = { 'content-type': 'application/json' };
const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function post(target: Target, body: string): Made {
  return { path: target.path, headers: J, body };
}

function at(rng: Rng, pool: { target: Target; path: Step[] }[], raw: (f: protobuf.Field, rng: Rng) => string): Made {
  const { target, path } = rng.pick(pool);
  const f = path[path.length - 1]!.field;
  const value = raw(f, rng);
  return post(target, jsonAt(path, f.repeated && !value.startsWith('[') ? `[${value}]` : value));
}

/** JSON text that a field of this kind refuses for its type. */
function wrongType(kind: Kind, rng: Rng): string {
  const by: Record<Kind, string[]> = {
    int32: ['true', '{}', '[[]]', '"abc"', '"1.5"', '1.5', '"0x10"', '"1e3"', '" 1"'],
    uint32: ['true', '{}', '[[]]', '"abc"', '"1.5"', '1.5', '"0x10"', '"1e3"', '"+1"'],
    int64: ['true', '{}', '[[]]', '"abc"', '"1.5"', '1.5', '"0x10"', '"1e3"'],
    uint64: ['true', '{}', '[[]]', '"abc"', '"1.5"', '0.5', '"0x10"', '"1e3"'],
    double: ['true', '"abc"', '{}', '[[]]', '"1,5"', '"0x10"'],
    float: ['true', '"abc"', '{}', '[[]]', '"1,5"'],
    bool: ['1', '0', '"true"', '"yes"', '{}', '[[]]', '"false"'],
    string: ['1', 'true', '{}', '[[]]', '1.5', 'false'],
    bytes: ['1', 'true', '{}', '[[]]', '"!!!"', '"a"', '"ab=c"', '"a+b_c"'],
    enum: ['true', '{}', '[[]]', '1.5', '""', '"NOT_A_VALUE"', '"0x1"'],
    message: ['1', '"x"', 'true', '[[]]', '1.5', 'false'],
  };
  return rng.pick(by[kind]);
}

function hugeNumber(kind: Kind, rng: Rng): string {
  const by: Partial<Record<Kind, string[]>> = {
    int32: ['2147483648', '-2147483649', '1e400', '1e21', '"99999999999999999999"'],
    uint32: ['4294967296', '-1', '1e400', '1e21', '"18446744073709551616"'],
    int64: ['"9223372036854775808"', '"-9223372036854775809"', '1e400', '1e300', '9007199254740993'],
    uint64: ['"18446744073709551616"', '-1', '1e400', '1e20', '"-1"'],
    double: ['1e400', '-1e400', '"1e400"'],
    float: ['1e39', '-1e39', '1e400'],
  };
  return rng.pick(by[kind]!);
}

/** A value beyond the VPP integer type of a field, or beyond the size of its enum. */
function beyondVpp(f: protobuf.Field, rng: Rng): string {
  if (f.resolvedType instanceof protobuf.Enum)
    return String(rng.pick(enumSize(f.resolvedType) === 'u8' ? [256, 1000, -1] : [65536, 100000, -1]));
  const [min, max] = vppRange(vppField(f)!.type)!;
  return String(rng.pick([max + 1, max + rng.int(2, 10000), min - 1]));
}

const ENUM_NAMES_ELSEWHERE = ['IF_STATUS_API_FLAG_ADMIN_UP', 'ADDRESS_IP4', 'FIB_API_PATH_NH_PROTO_IP4', 'NAT_IS_NONE'];

function unknownEnum(f: protobuf.Field, rng: Rng): string {
  const e = f.resolvedType as protobuf.Enum;
  const names = Object.keys(e.values);
  const candidates = [
    `${rng.pick(names)}_NOPE`,
    rng.pick(names).toLowerCase(),
    ` ${rng.pick(names)}`,
    rng.pick(ENUM_NAMES_ELSEWHERE),
    'x'.repeat(rng.int(1, 300)),
    'UNKNOWN',
  ].filter((n) => !Object.hasOwn(e.values, n));
  return JSON.stringify(rng.pick(candidates));
}

/** Keys no request type has; `known` holds the level's field names, proto and JSON. */
function unknownKey(rng: Rng, known: Set<string>): string {
  for (;;) {
    const key = rng.pick([
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      'hasOwnProperty',
      '',
      ' ',
      'client_index',
      'context',
      'ñame',
      'a'.repeat(rng.int(100, 5000)),
      `x_${rng.int(0, 999_999)}`,
      known.size ? `${rng.pick([...known]).toUpperCase()}_` : 'ZZ',
      'sw-if-index',
    ]);
    if (!known.has(key)) return key;
  }
}

const CONTENT_TYPES = [
  'application/xml',
  'text/html',
  'application/octet-stream',
  'multipart/form-data; boundary=x',
  'application/x-protobuf',
  'application/grpc',
  'image/png',
  'text/csv',
  'application/jsonx',
  'application/merge-patch+json',
  'foo',
];

const BAD_QUERY = [
  'abc',
  '-1s',
  '1x',
  '1e3',
  '1%20s',
  '0x10',
  '1.',
  '.5s',
  'NaN',
  'Infinity',
  '%00',
  '%EF%BC%91s',
  '1s&timeout=2s',
  '1h1m',
];
const BAD_GRPC_TIMEOUT = ['123456789S', '1X', 'abc', '-1S', '1.5S', 'S', '1 S S'];
const BAD_ACCEPT = [
  'image/png',
  'text/html',
  'application/xml',
  'application/protobuf',
  'text/csv',
  'application/grpc',
];

const ODD_METHODS = METHODS.filter((m) => m !== 'POST' && m !== 'CONNECT');

function oddPath(rng: Rng, p: Pools): string {
  const real = rng.pick(p.targets).path;
  for (;;) {
    const path = rng.pick([
      `${real}/`,
      `${real}x`,
      `${real}/..`,
      real.toLowerCase(),
      real.toUpperCase(),
      `/api${real}`,
      `/${real}`,
      real.replace('/request', ''),
      real.replace(/\//g, '%2F'),
      `${real}%00`,
      `/%zz${real}`,
      `${real.slice(0, rng.int(1, real.length - 1))}`,
      `/${'a'.repeat(rng.int(20_000, 80_000))}`,
      `/${rng.bytes(rng.int(1, 40)).toString('base64url')}/${rng.int(0, 999)}`,
      '/..%2F..%2Fetc%2Fpasswd',
      '/%',
      '/Vpe/ShowVersion/request;jsessionid=1',
      `/${encodeURIComponent('ñ')}${real}`,
    ]);
    let decoded = path;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      // a path that does not decode is bad as it is
    }
    if (!p.routes.has(decoded) && !p.routes.has(path)) return path;
  }
}

export const HTTP_CATEGORIES: Category[] = [
  {
    name: 'malformed JSON',
    per10k: 1200,
    expect: [400],
    make(rng, p) {
      const t = rng.pick(p.targets);
      const base = JSON.stringify(sample(rng, t.type), (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
      for (;;) {
        const i = rng.int(1, Math.max(1, base.length - 1));
        const text = rng.pick([
          base.slice(0, i),
          base.slice(0, i) +
            rng.pick(['{', '}', '[', ']', '"', ',', ':', '\\', "'", 'NaN', '//', '\u0000']) +
            base.slice(i),
          `${base}${rng.pick(['x', '}', ',', ' {}', '\n]'])}`,
          `{'a': 1}`,
          `{"a": 1,}`,
          `{"a": undefined}`,
          `{"a": 0x10}`,
          `{"a": "\\x41"}`,
          `{"a": "tab\there"}`,
          `{"a" 1}`,
          `{a: 1}`,
          '\ufeff{}',
        ]);
        if (text.trim() === '') continue;
        try {
          JSON.parse(text);
        } catch {
          return post(t, text);
        }
      }
    },
  },
  {
    name: 'not an object',
    per10k: 200,
    expect: [400],
    make: (rng, p) =>
      post(rng.pick(p.targets), rng.pick(['null', '[]', '[{}]', '1', '-1', '"x"', 'true', 'false', '1e999', '""'])),
  },
  {
    name: 'wrong type',
    per10k: 1500,
    expect: [400],
    make: (rng, p) => at(rng, p.fields, (f, r) => wrongType(kindOf(f), r)),
  },
  {
    name: 'huge number',
    per10k: 800,
    expect: [400],
    make: (rng, p) => at(rng, p.numeric, (f, r) => hugeNumber(kindOf(f), r)),
  },
  { name: 'beyond the VPP type', per10k: 700, expect: [400], make: (rng, p) => at(rng, p.vppRanged, beyondVpp) },
  {
    name: 'huge string',
    per10k: 150,
    expect: [400],
    make: (rng, p) => at(rng, p.longStringRefused, (f, r) => JSON.stringify('é'.repeat(r.int(20_000, 300_000)))),
  },
  {
    name: 'huge array',
    per10k: 150,
    expect: [400],
    make: (rng, p) =>
      at(rng, p.fields, (f, r) => {
        const kind = kindOf(f);
        const fine = { message: '{}', bool: 'false', string: '""', bytes: '""', enum: '0' }[kind as string] ?? '0';
        const n = r.int(10_000, 100_000);
        // a long list with one bad element at the end: it is all read before it is refused
        return `[${`${fine},`.repeat(n)}${wrongType(kind, r)}]`;
      }),
  },
  {
    name: 'deep nesting',
    per10k: 150,
    expect: [400],
    make(rng, p) {
      const d = rng.int(1000, 150_000);
      const deep = rng.chance(0.5) ? '['.repeat(d) + ']'.repeat(d) : '{"a":'.repeat(d) + '0' + '}'.repeat(d);
      if (rng.chance(0.2)) return post(rng.pick(p.targets), deep);
      return at(rng, p.fields, () => deep);
    },
  },
  {
    name: 'unknown field',
    per10k: 1000,
    expect: [400],
    make(rng, p) {
      if (rng.chance(0.6)) {
        const t = rng.pick(p.targets);
        const known = new Set(t.type.fieldsArray.flatMap((f) => [f.name, camel(f.name)]));
        return post(t, JSON.stringify({ [unknownKey(rng, known)]: rng.pick([1, 'x', true, {}, []]) }));
      }
      const { target, path } = rng.pick(p.messages);
      const inner = path[path.length - 1]!.field.resolvedType as protobuf.Type;
      const known = new Set(inner.fieldsArray.flatMap((f) => [f.name, camel(f.name)]));
      return post(target, jsonAt(path, JSON.stringify({ [unknownKey(rng, known)]: 1 })));
    },
  },
  {
    name: 'a field twice, or two of a oneof',
    per10k: 400,
    expect: [400],
    make(rng, p) {
      const fine = (f: protobuf.Field): unknown => {
        const v =
          ({ message: {}, bool: false, string: '', bytes: '', enum: 0 } as Record<string, unknown>)[kindOf(f)] ?? 0;
        return f.repeated ? [] : v;
      };
      if (rng.chance(0.5) && p.oneofs.length) {
        const { target, members } = rng.pick(p.oneofs);
        const [a, b] = [members[0]!, members[1]!];
        return post(target, JSON.stringify({ [a.name]: fine(a), [b.name]: fine(b) }));
      }
      const { target, field } = rng.pick(p.camel);
      return post(target, JSON.stringify({ [field.name]: fine(field), [camel(field.name)]: fine(field) }));
    },
  },
  { name: 'unknown enum', per10k: 700, expect: [400], make: (rng, p) => at(rng, p.enums, unknownEnum) },
  {
    name: 'invalid address, prefix or MAC',
    per10k: 900,
    expect: [400],
    make: (rng, p) => at(rng, p.texts, (f, r) => JSON.stringify(r.pick(BAD_TEXT[vppField(f)!.type]!))),
  },
  {
    name: 'wrong content type',
    per10k: 400,
    expect: [415],
    make: (rng, p) => ({
      path: rng.pick(p.targets).path,
      headers: { 'content-type': rng.pick(CONTENT_TYPES) },
      body: '{}',
    }),
  },
  {
    name: 'oversized body',
    per10k: 40,
    expect: [413],
    make: (rng, p) => post(rng.pick(p.targets), `{"x":"${'a'.repeat(p.bodyLimit + rng.int(1, p.bodyLimit))}"}`),
  },
  {
    name: 'bad timeout',
    per10k: 500,
    expect: [400],
    make(rng, p) {
      const t = rng.pick(p.targets);
      if (rng.chance(0.6)) return { ...post(t, '{}'), path: `${t.path}?timeout=${rng.pick(BAD_QUERY)}` };
      return { path: t.path, headers: { ...J, 'grpc-timeout': rng.pick(BAD_GRPC_TIMEOUT) }, body: '{}' };
    },
  },
  {
    name: 'odd method',
    per10k: 500,
    // Fastify wants a content type with a method that has a body (QUERY) before it routes
    expect: [405, 400],
    make: (rng, p) => ({ path: rng.pick(p.targets).path, method: rng.pick(ODD_METHODS) }),
  },
  {
    name: 'odd path',
    per10k: 500,
    expect: [400, 404, 431],
    make: (rng, p) => ({ ...post(rng.pick(p.targets), '{}'), path: oddPath(rng, p) }),
  },
  {
    name: 'stream nobody can accept',
    per10k: 210,
    expect: [406],
    make(rng, p) {
      const t = rng.pick(p.streaming);
      return { path: t.path, headers: { ...J, accept: rng.pick(BAD_ACCEPT) }, body: '{}' };
    },
  },
];

function pools(targets: Target[], bodyLimit: number): Pools {
  const p: Pools = {
    targets,
    streaming: targets.filter((t) => t.kind !== 'unary'),
    routes: new Set(targets.map((t) => t.path)),
    fields: [],
    numeric: [],
    vppRanged: [],
    enums: [],
    texts: [],
    longStringRefused: [],
    messages: [],
    camel: [],
    oneofs: [],
    bodyLimit,
  };
  for (const target of targets) {
    for (const f of target.type.fieldsArray) if (camel(f.name) !== f.name) p.camel.push({ target, field: f });
    for (const o of target.type.oneofsArray)
      if (o.fieldsArray.length > 1) p.oneofs.push({ target, members: o.fieldsArray });
    for (const path of fieldPaths(target.type)) {
      const f = path[path.length - 1]!.field;
      const kind = kindOf(f);
      const vpp = vppField(f);
      const entry = { target, path };
      p.fields.push(entry);
      if (['int32', 'uint32', 'int64', 'uint64', 'double', 'float'].includes(kind)) p.numeric.push(entry);
      if ((kind === 'int32' || kind === 'uint32') && vpp && vppRange(vpp.type) && !setByClient(target, path))
        p.vppRanged.push(entry);
      if (kind === 'enum') {
        p.enums.push(entry);
        if (enumSize(f.resolvedType as protobuf.Enum) !== 'u32') p.vppRanged.push(entry);
      }
      if (kind === 'message') p.messages.push(entry);
      const text = vpp !== undefined && TEXT_TYPES.has(vpp.type);
      if (text) p.texts.push(entry);
      // a long string is refused by any field but a string of open length
      if (kind !== 'string' || text || vpp?.fixedLength) p.longStringRefused.push(entry);
    }
  }
  return p;
}

/** `size` bad requests, in a seeded order; categories keep their shares. */
export function* httpCorpus(targets: Target[], seed: number, size: number, bodyLimit: number): Generator<HttpCase> {
  const rng = new Rng(seed);
  const p = pools(targets, bodyLimit);
  for (const i of schedule(rng, HTTP_CATEGORIES, size)) {
    const c = HTTP_CATEGORIES[i]!;
    const made = c.make(rng, p);
    yield {
      category: c.name,
      method: made.method ?? 'POST',
      path: made.path,
      headers: made.headers ?? {},
      ...(made.body !== undefined ? { body: made.body } : {}),
      expect: c.expect,
    };
  }
}

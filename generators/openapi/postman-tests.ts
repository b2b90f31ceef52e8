/**
 * The core requests of the Postman collection: the order they run in within
 * their folders (create before use), the collection variables they set and
 * read, and their tests. Every other request is sent without tests: against
 * the simulator it answers 501 UNIMPLEMENTED.
 */

export const LOOPBACK_VAR = 'loopback_sw_if_index';

export interface CoreRequest {
  request: string;
  /** pm.test script lines */
  tests?: string[];
  /** JSON paths (property names and array indexes) of body values replaced by a collection variable */
  uses?: { path: (string | number)[]; variable: string }[];
}

const ok = [
  "pm.test('status 200', function () { pm.response.to.have.status(200); });",
  // proto3 JSON may leave out a zero retval
  "pm.test('retval 0', function () { const r = pm.response.json().retval; pm.expect(r === undefined ? 0 : r).to.equal(0); });",
];

const okList = [
  "pm.test('status 200', function () { pm.response.to.have.status(200); });",
  "pm.test('a JSON array', function () { pm.expect(pm.response.json()).to.be.an('array'); });",
];

const onLoopback = (...path: (string | number)[]) => ({ path, variable: LOOPBACK_VAR });

/** In running order within each module's folder. */
export const CORE_REQUESTS: readonly CoreRequest[] = [
  {
    request: 'show_version',
    tests: [
      ...ok,
      "pm.test('program and version', function () {",
      '  const body = pm.response.json();',
      "  pm.expect(body.program).to.be.a('string').that.is.not.empty;",
      "  pm.expect(body.version).to.be.a('string').that.is.not.empty;",
      '});',
    ],
  },
  {
    request: 'show_vpe_system_time',
    tests: [...ok, "pm.test('a system time', function () { pm.expect(pm.response.json().vpe_system_time).to.be.a('number').above(0); });"],
  },
  {
    request: 'cli_inband',
    tests: [...ok, "pm.test('the CLI answers', function () { pm.expect(pm.response.json().reply.toLowerCase()).to.include('vpp'); });"],
  },
  {
    request: 'sw_interface_dump',
    tests: [
      ...okList,
      "pm.test('local0 is listed', function () {",
      "  pm.expect(pm.response.json().map(function (i) { return i.interface_name; })).to.include('local0');",
      '});',
    ],
  },
  {
    request: 'create_loopback',
    tests: [
      ...ok,
      "pm.test('an interface index', function () {",
      '  const index = pm.response.json().sw_if_index;',
      "  pm.expect(index).to.be.a('number');",
      `  pm.collectionVariables.set('${LOOPBACK_VAR}', index);`,
      '});',
    ],
  },
  { request: 'sw_interface_set_flags', tests: ok, uses: [onLoopback('sw_if_index')] },
  { request: 'sw_interface_add_del_address', tests: ok, uses: [onLoopback('sw_if_index')] },
  { request: 'want_interface_events' },
  { request: 'ip_table_add_del' },
  {
    request: 'ip_table_dump',
    tests: [
      ...okList,
      "pm.test('table 0 is listed', function () {",
      '  const ids = pm.response.json().map(function (t) { return (t.table && t.table.table_id) || 0; });',
      '  pm.expect(ids).to.include(0);',
      '});',
    ],
  },
  { request: 'ip_route_add_del', tests: ok, uses: [onLoopback('route', 'paths', 0, 'sw_if_index')] },
  {
    request: 'ip_route_dump',
    tests: [
      ...okList,
      "pm.test('the route added is listed', function () {",
      '  const prefixes = pm.response.json().map(function (r) { return r.route && r.route.prefix; });',
      "  pm.expect(prefixes).to.include('10.20.0.0/24');",
      '});',
    ],
  },
  {
    request: 'control_ping',
    tests: [...ok, "pm.test('the VPP pid', function () { pm.expect(pm.response.json().vpe_pid).to.be.a('number'); });"],
  },
];

/**
 * What a real VPP 26.06 sends that its API files do not say (../shared/vpp/README.md),
 * and what the product makes of it, through REST in front of that VPP.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { post } from './support/http.ts';
import { describeRealVpp, startRealVpp } from './support/real-vpp.ts';
import { untilReady } from './support/ready.ts';
import { startStack, type Stack } from './support/stack.ts';

describeRealVpp('VPP quirks', () => {
  let stack: Stack;
  before(async () => {
    const vpp = await startRealVpp();
    stack = await startStack({ vppSocket: vpp.apiSocket });
    await untilReady(stack);
  });
  after(() => stack?.stop());

  it('gives variable strings without the NUL VPP counts in their length (selog_track_dump)', async () => {
    const r = await post(`${stack.rest}/Selog/SelogTrackDump/request`, {});
    assert.equal(r.status, 200, r.text);
    const names = (r.json as { name: string }[]).map((t) => t.name);
    assert.ok(names.includes('default'), JSON.stringify(names));
    for (const n of names) assert.doesNotMatch(n, /\0/, JSON.stringify(n));
  });
});

/**
 * What a real VPP 26.06 sends that its API files do not say (docs/ARCHITECTURE.md, "VPP's wire protocol"),
 * and what the product makes of it, through REST in front of that VPP.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { post } from './support/http.ts';
import { realBackend, stackFor } from './support/backends.ts';
import { describeRealVpp } from './support/real-vpp.ts';

describeRealVpp('VPP quirks', () => {
  const stack = stackFor(realBackend);

  it('gives variable strings without the NUL VPP counts in their length (selog_track_dump)', async () => {
    const r = await post(`${stack().rest}/Selog/SelogTrackDump/request`, {});
    assert.equal(r.status, 200, r.text);
    const names = (r.json as { name: string }[]).map((t) => t.name);
    assert.ok(names.includes('default'), JSON.stringify(names));
    for (const n of names) assert.doesNotMatch(n, /\0/, JSON.stringify(n));
  });
});

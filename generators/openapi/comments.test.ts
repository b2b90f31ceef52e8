import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseComment } from './comments.ts';

describe('VPP comments', () => {
  it('splits summary, text and @param lines, joining continuations', () => {
    const doc = parseComment(`/** \\brief Add / del route request
    Replaces the paths unless told otherwise.
    @param client_index - opaque cookie to identify the sender
    @param is_multipath - Set to 1 if these paths will be added/removed
                          to/from the existing set
    @param node_name[] - name of the node
    @param - a line without a name
*/`);
    assert.equal(doc.summary, 'Add / del route request');
    assert.equal(doc.text, 'Add / del route request\nReplaces the paths unless told otherwise.\n@param - a line without a name');
    assert.equal(doc.params.get('is_multipath'), 'Set to 1 if these paths will be added/removed to/from the existing set');
    assert.equal(doc.params.get('node_name'), 'name of the node');
    assert.deepEqual([...doc.params.keys()], ['client_index', 'is_multipath', 'node_name']);
  });

  it('reads nothing from no comment', () => {
    assert.deepEqual(parseComment(undefined), { summary: '', text: '', params: new Map() });
  });
});

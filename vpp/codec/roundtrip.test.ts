import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadApi } from '../../test/support/api.ts';
import { mismatch, Rng, Sampler } from '../../test/support/codec-samples.ts';
import { createCodec, frame } from './index.ts';

// the production path: the model as the server reads it from proto/
const { model } = loadApi();
const codec = createCodec(model);
const SAMPLES_PER_MESSAGE = 3;

describe('every message round-trips with sample values', () => {
  it('covers all 2093 messages of VPP 26.06', () => {
    assert.equal(model.messages.size, 2093);
  });

  for (const mod of model.modules) {
    if (mod.messages.length === 0) continue;
    it(`module ${mod.name} (${mod.messages.length} messages)`, () => {
      for (const def of mod.messages) {
        const mc = codec.message(def.name);
        for (let seed = 1; seed <= SAMPLES_PER_MESSAGE; seed++) {
          const where = `${def.name} (seed ${seed})`;
          const { input, expected, header } = new Sampler(model, new Rng(seed * 7919 + def.name.length)).message(def);
          const bytes = mc.encode(input, header);
          if (mc.fixedSize >= 0) assert.equal(bytes.length, mc.fixedSize, where);
          const decoded = mc.decode(bytes);
          assert.equal(decoded.msgId, header.msgId, where);
          assert.equal(decoded.context, header.context, where);
          assert.equal(decoded.clientIndex, header.clientIndex, where);
          const m = mismatch(decoded.value, expected);
          assert.equal(m, null, `${where}: ${m}`);
          assert.deepEqual(mc.encode(decoded.value, header), bytes, `${where}: re-encoding the decoded value`);
          assert.deepEqual(mc.encodeFrame(input, header), frame(bytes), `${where}: as a frame`);
        }
      }
    });
  }
});

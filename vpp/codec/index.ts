/** VPP binary messages ⇄ plain JS values, for every message of a model (see types.ts). */
import type { ApiModel } from '../api/model.ts';
import { Compiler } from './compile.ts';
import { CompiledMessageCodec } from './message.ts';
import { CodecError, type Codec, type MessageCodec } from './types.ts';

export * from './types.ts';
export * from './framing.ts';
export { TEXT_CODECS, TextError, formatIp4, formatIp6, type TextCodec } from './text.ts';

/** A codec for every message of `model`; each message is compiled on first use, then kept. */
export function createCodec(model: ApiModel): Codec {
  const compiler = new Compiler(model);
  const compiled = new Map<string, MessageCodec>();
  return {
    model,
    message(name: string): MessageCodec {
      let codec = compiled.get(name);
      if (codec) return codec;
      const def = model.messages.get(name);
      if (!def) throw new CodecError('unknown-message', '', `unknown message ${JSON.stringify(name)}`);
      codec = new CompiledMessageCodec(def, compiler.message(def));
      compiled.set(name, codec);
      return codec;
    },
  };
}

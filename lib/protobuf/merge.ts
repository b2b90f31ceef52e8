/**
 * Protobuf's merge of two decoded values of one message type, for the rare
 * input that sends a singular message field twice: scalars of the later one
 * win, lists append, nested messages merge, and setting a oneof member clears
 * its siblings.
 */
import type protobuf from 'protobufjs';
import { describeMessage } from './schema.ts';
import type { Value } from './values.ts';

export function mergeMessage(type: protobuf.Type, target: Value, source: Value): Value {
  const schema = describeMessage(type);
  for (const f of schema.fields) {
    const from = source[f.name];
    if (from === undefined) continue;
    const into = target[f.name];
    if (f.repeated) target[f.name] = into === undefined ? from : (into as unknown[]).concat(from);
    else if (f.messageType && into !== undefined) mergeMessage(f.messageType, into as Value, from as Value);
    else {
      if (f.oneof !== undefined)
        for (const g of schema.fields) if (g.oneof === f.oneof && g !== f) delete target[g.name];
      target[f.name] = from;
    }
  }
  return target;
}

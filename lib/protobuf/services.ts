/** Walking a root's services, and reading custom options, the way both processes need. */
import protobuf from 'protobufjs';

/** The value of a custom option such as `(google.api.http)` on a protobufjs object. */
export function optionOf<T = Record<string, unknown>>(obj: protobuf.ReflectionObject, name: string): T | undefined {
  // protobufjs types parsedOptions loosely; it is a list of one-key objects
  for (const o of (obj.parsedOptions ?? []) as unknown as Record<string, unknown>[])
    if (o[name] !== undefined) return o[name] as T;
  return undefined;
}

export interface ServiceMethod {
  /** `vpp.vpe.Vpe` */
  service: string;
  /** resolved: request and response types are set */
  method: protobuf.Method;
}

/** Every method of every service in the root, in declaration order. */
export function serviceMethods(root: protobuf.Root): ServiceMethod[] {
  const out: ServiceMethod[] = [];
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const obj of ns.nestedArray) {
      if (obj instanceof protobuf.Service) {
        const service = obj.fullName.replace(/^\./, '');
        for (const method of obj.methodsArray) out.push({ service, method: method.resolve() as protobuf.Method });
      } else if (obj instanceof protobuf.Namespace) visit(obj);
    }
  };
  visit(root);
  return out;
}

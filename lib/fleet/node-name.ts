/**
 * What may name a node of the fleet: its key in etcd (`/vpp-rpc/nodes/<name>`),
 * the X-VPP-Node header's value, a label in Prometheus. A host name fits.
 */
const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Why `name` cannot name a node; undefined when it can. */
export function nodeNameProblem(name: string): string | undefined {
  return NODE_NAME.test(name)
    ? undefined
    : `"${name}" is not a node name: letters, digits, ".", "_" and "-", at most 63, starting with a letter or digit`;
}

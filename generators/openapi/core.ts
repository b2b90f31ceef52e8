/** The VPP modules people try first: their tags and Postman folders come before the others. */
import type { ModuleDef } from '../../vpp/api/model.ts';

/**
 * In this order. memclnt comes last: besides control_ping it holds the API
 * session's own messages (sockclnt_delete, memclnt_delete), which are best
 * sent after the other core calls.
 */
export const CORE_MODULES = ['vpe', 'vlib', 'interface', 'ip', 'memclnt'] as const;

/** Modules with the core ones first, the rest by name. */
export function coreFirst<T extends Pick<ModuleDef, 'name'>>(modules: readonly T[]): T[] {
  const rank = (m: T): number => {
    const i = (CORE_MODULES as readonly string[]).indexOf(m.name);
    return i < 0 ? CORE_MODULES.length : i;
  };
  return [...modules].sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Dumps that a real VPP 26.06 answers with messages their services do not
 * declare (docs/OPERATIONS.md), sent here as VPP sends them, so that the
 * product's handling of such strays is tested without a VPP.
 */
import { RV } from '../retval.ts';
import { OtherMessage, u32, type HandlerSet } from './types.ts';

/** mactime's device table never changes here: its epoch stays 0 */
const MACTIME_EPOCH = 0;

export const quirkHandlers: HandlerSet = {
  unary: {},
  dump: {
    /** igmp_group_prefix_dump: VPP's default SSM range, in a frame that carries igmp_details' id */
    *igmp_group_prefix_dump() {
      yield new OtherMessage('igmp_details', { gp: { type: 1, prefix: '232.0.0.0/8' } }, 'igmp_group_prefix_details');
    },
    /** mactime_dump: the devices (none), then mactime_dump_reply with the table's epoch */
    *mactime_dump(req) {
      const retval = u32(req.my_table_epoch) === MACTIME_EPOCH ? RV.NO_CHANGE : RV.OK;
      yield new OtherMessage('mactime_dump_reply', { retval, table_epoch: MACTIME_EPOCH });
    },
  },
};

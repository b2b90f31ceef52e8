/**
 * The VPP return values the simulator answers with (vnet/api_errno.h). A test
 * checks each against VPP's error table in proto/vpprpc/errors.proto.
 */
export const RV = {
  OK: 0,
  UNSPECIFIED: -1,
  INVALID_SW_IF_INDEX: -2,
  NO_SUCH_FIB: -3,
  INVALID_VALUE: -7,
  UNIMPLEMENTED: -9,
  INVALID_REGISTRATION: -31,
  NO_PATHS_IN_ROUTE: -52,
  NO_MATCHING_INTERFACE: -54,
  ADDRESS_NOT_FOUND_FOR_INTERFACE: -60,
  NO_SUCH_TABLE: -65,
  ADDRESS_IN_USE: -105,
  ADDRESS_FOUND_FOR_INTERFACE: -114,
  NO_CHANGE: -160,
  EAGAIN: -165,
} as const;

/** `~0` of a u32: VPP's "none" for indexes. */
export const NONE = 0xffffffff;

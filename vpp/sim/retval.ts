/**
 * The VPP return values the simulator answers with (vnet/api_errno.h). A test
 * checks each against VPP's error table in proto/vpprpc/errors.proto.
 */
export const RV = {
  OK: 0,
  UNSPECIFIED: -1,
  INVALID_SW_IF_INDEX: -2,
  NO_SUCH_FIB: -3,
  NO_SUCH_ENTRY: -6,
  INVALID_VALUE: -7,
  INVALID_VALUE_2: -8,
  UNIMPLEMENTED: -9,
  INVALID_REGISTRATION: -31,
  NO_PATHS_IN_ROUTE: -52,
  NO_MATCHING_INTERFACE: -54,
  INVALID_SRC_ADDRESS: -57,
  INVALID_DST_ADDRESS: -58,
  ADDRESS_NOT_FOUND_FOR_INTERFACE: -60,
  NO_SUCH_TABLE: -65,
  IF_ALREADY_EXISTS: -79,
  SAME_SRC_DST: -82,
  ADDRESS_IN_USE: -105,
  ADDRESS_FOUND_FOR_INTERFACE: -114,
  ENTRY_ALREADY_EXISTS: -116,
  BD_ALREADY_EXISTS: -119,
  BD_IN_USE: -120,
  BD_NOT_MODIFIABLE: -121,
  BD_ID_EXCEED_MAX: -122,
  ACL_IN_USE_INBOUND: -142,
  ACL_IN_USE_OUTBOUND: -143,
  INSTANCE_IN_USE: -147,
  BD_ALREADY_HAS_BVI: -152,
  INVALID_PROTOCOL: -153,
  NO_CHANGE: -160,
  EAGAIN: -165,
} as const;

/** `~0` of a u32: VPP's "none" for indexes. */
export const NONE = 0xffffffff;

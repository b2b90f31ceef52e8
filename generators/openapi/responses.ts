/**
 * The gateway's error body and the HTTP statuses it uses, mapped from gRPC
 * codes the way grpc-gateway does (docs/ARCHITECTURE.md, "Errors").
 */
import type { Schema } from './schemas.ts';

export const ERROR_SCHEMA = 'Error';

export const errorSchema: Schema = {
  description: 'Why a call failed: the gRPC status it ended with.',
  type: 'object',
  properties: {
    code: {
      description:
        'The gRPC status code, e.g. 3 INVALID_ARGUMENT, 5 NOT_FOUND, 12 UNIMPLEMENTED, 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED.',
      type: 'integer',
      minimum: 0,
      maximum: 16,
    },
    message: {
      description: "What went wrong. For a VPP error (a nonzero retval), VPP's symbol and text for it.",
      type: 'string',
    },
    details: {
      description: 'More about the error, as JSON objects (google.protobuf.Any); for a VPP error, its retval.',
      type: 'array',
      items: { type: 'object' },
    },
  },
  required: ['code', 'message', 'details'],
};

interface ErrorStatus {
  status: string;
  /** the name of the reusable response in components.responses */
  name: string;
  grpc: string;
  when: string;
}

export const ERROR_STATUSES: readonly ErrorStatus[] = [
  {
    status: '400',
    name: 'BadRequest',
    grpc: 'INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE',
    when:
      'The request is not valid: malformed JSON, an unknown field, a wrong type or unreadable text such as a bad address (the message names the field); or VPP rejected a value (INVALID_VALUE, INVALID_ARGUMENT and the like).',
  },
  { status: '401', name: 'Unauthenticated', grpc: 'UNAUTHENTICATED', when: 'Credentials are required and were missing or not valid.' },
  { status: '403', name: 'PermissionDenied', grpc: 'PERMISSION_DENIED', when: 'The credentials given do not allow this call.' },
  {
    status: '404',
    name: 'NotFound',
    grpc: 'NOT_FOUND',
    when: 'VPP says the object named does not exist (INVALID_SW_IF_INDEX, NO_SUCH_FIB, NO_SUCH_ENTRY and the like).',
  },
  {
    status: '409',
    name: 'Conflict',
    grpc: 'ALREADY_EXISTS, ABORTED',
    when: 'VPP says the object exists already (VALUE_EXIST, IF_ALREADY_EXISTS and the like), or the call was aborted.',
  },
  { status: '429', name: 'ResourceExhausted', grpc: 'RESOURCE_EXHAUSTED', when: 'Too many calls at once, or VPP ran out of a resource.' },
  { status: '499', name: 'Cancelled', grpc: 'CANCELLED', when: 'The client went away (or cancelled the call) before it ended.' },
  {
    status: '500',
    name: 'Internal',
    grpc: 'UNKNOWN, INTERNAL, DATA_LOSS',
    when: 'An unexpected failure, or a VPP error with no closer match.',
  },
  {
    status: '501',
    name: 'Unimplemented',
    grpc: 'UNIMPLEMENTED',
    when: "VPP does not implement the call (retval -9 UNIMPLEMENTED), or the running VPP does not know the message or has another CRC for it.",
  },
  {
    status: '503',
    name: 'Unavailable',
    grpc: 'UNAVAILABLE',
    when: 'VPP or the gRPC server cannot be reached: not running, restarting, or the connection was lost.',
  },
  { status: '504', name: 'DeadlineExceeded', grpc: 'DEADLINE_EXCEEDED', when: 'No answer within the deadline: VPP is stuck or too slow.' },
];

/** components.responses: one reusable response per error status. */
export function errorResponses(): Record<string, unknown> {
  return Object.fromEntries(
    ERROR_STATUSES.map((e) => [
      e.name,
      {
        description: `${e.when} (gRPC ${e.grpc})`,
        content: { 'application/json': { schema: { $ref: `#/components/schemas/${ERROR_SCHEMA}` } } },
      },
    ]),
  );
}

/** The error part of an operation's responses: each status refers to its reusable response. */
export function errorRefs(): Record<string, { $ref: string }> {
  return Object.fromEntries(ERROR_STATUSES.map((e) => [e.status, { $ref: `#/components/responses/${e.name}` }]));
}

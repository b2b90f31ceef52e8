export { VppClient, DEFAULT_SOCKET, TRANSPORT_MESSAGES } from './client.ts';
export type { ClientState, StateChange, Subscription, SubscriptionHandlers, VppClientOptions } from './client.ts';
export type { CallOptions } from './calls.ts';
export { VppApiError, VppClientError, VppIncompatibleError } from './errors.ts';
export type { VppClientErrorCode } from './errors.ts';
export type { CompatReport } from './message-table.ts';
export type { Log } from './log.ts';
export { unixSocketDialer } from './transport.ts';
export type { Dialer, Transport } from './transport.ts';

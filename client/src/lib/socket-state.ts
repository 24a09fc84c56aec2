/**
 * The states of the reconnecting socket (sync/socket.ts has the state diagram). Declared here so
 * the store can hold them without depending on the sync layer (lib <- store <- sync).
 */
export const SOCKET_STATES = ['idle', 'connecting', 'open', 'waiting', 'stopped'] as const;
export type SocketState = (typeof SOCKET_STATES)[number];

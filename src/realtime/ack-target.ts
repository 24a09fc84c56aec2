import type { Message } from '../protocol.js';

/**
 * Whoever sent a message over a socket and waits for its `ack` (Connection implements it; HTTP
 * senders get the response instead). It travels with the send through the writer and the broker
 * to the hub, which acks new messages in seq order; the writer acks retried ones (a reused
 * clientMsgId) with the original. Exactly one ack per accepted send.
 */
export interface AckTarget {
  /** Answers the sender with `ack`; `messageJson` is the message already serialized, if at hand. */
  ack(message: Message, messageJson?: string): void;
}

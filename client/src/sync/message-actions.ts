import { api, isApiError } from '../lib/api';
import type { Message } from '../lib/wire';
import type { AppStore } from '../store';

/**
 * Editing, deleting and reacting, from this tab. They go over HTTP (PATCH / DELETE / PUT on the
 * contract's routes) on the socket and in the fallback alike: one path, an answer per request with
 * the contract's error codes, and no client frames of our own to keep in step with the server.
 * The change is applied locally as soon as the server accepted it (without a seq); the log event
 * that follows on the socket or the fallback's poll is idempotent, so it changes nothing more.
 */
export class MessageActions {
  constructor(private readonly store: AppStore) {}

  async edit(m: Message, body: string): Promise<boolean> {
    try {
      const { message } = await api.edit(m.roomId, m.id, body);
      this.store.getState().applyEdit(m.roomId, {
        messageId: m.id,
        body: message.body,
        mentions: message.mentions,
        mentionsRoom: message.mentionsRoom,
        editedAt: message.editedAt ?? new Date().toISOString(),
      });
      this.store.getState().announce('Message edited');
      return true;
    } catch (err) {
      this.fail(err, 'Could not edit the message.');
      return false;
    }
  }

  async remove(m: Message): Promise<void> {
    try {
      await api.deleteMessage(m.roomId, m.id);
      this.store.getState().applyDelete(m.roomId, { messageId: m.id, deletedAt: new Date().toISOString() });
      this.store.getState().announce('Message deleted');
    } catch (err) {
      this.fail(err, 'Could not delete the message.');
    }
  }

  /** Adds our reaction, or takes it back when we already reacted with that emoji. */
  async toggleReaction(m: Message, emoji: string): Promise<void> {
    const me = this.store.getState().user?.id;
    if (!me) return;
    const add = !m.reactions.some((r) => r.emoji === emoji && r.userIds.includes(me));
    try {
      await api.react(m.roomId, m.id, emoji, add);
      this.store.getState().applyReaction(m.roomId, { messageId: m.id, emoji, userId: me, added: add });
      this.store.getState().announce(add ? `Reacted with ${emoji}` : `Removed reaction ${emoji}`);
    } catch (err) {
      this.fail(err, 'Could not react to the message.');
    }
  }

  private fail(err: unknown, fallback: string): void {
    const text = isApiError(err, 'TOO_MANY_REACTIONS')
      ? 'This message has as many different reactions as it can hold.'
      : isApiError(err) && err.status !== 0 && err.message
        ? err.message
        : fallback;
    this.store.getState().toast(text, 'error');
  }
}

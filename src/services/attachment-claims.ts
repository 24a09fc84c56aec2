/**
 * Attachment claims inside one write batch. The statement that stores a batch claims every
 * upload it names (messages-repository insertMany); one upload named by two different sends of
 * the same batch would make the batch conflict with itself, so the first send in arrival order
 * keeps it and the later ones are refused before the statement.
 */
import { AppError, errors } from '../lib/errors.js';

export const attachmentUnavailable = () =>
  new AppError(409, 'ATTACHMENT_UNAVAILABLE', 'An attachment is not an upload of yours that is still unsent (already sent, expired or unknown)');

/** The sends that keep their uploads, in order; `refuse` is called for each of the others. */
export function firstClaimWins<T extends { input: { attachmentIds?: string[] } }>(sends: T[], refuse: (send: T) => void): T[] {
  const named = new Set<string>();
  return sends.filter((send) => {
    const ids = send.input.attachmentIds ?? [];
    if (ids.some((id) => named.has(id))) {
      refuse(send);
      return false;
    }
    for (const id of ids) named.add(id);
    return true;
  });
}

/**
 * Why a member's send was not stored (access already granted, no original): uploads that are not
 * theirs to attach, else a reply to something that is not a live message of the room.
 */
export async function notStoredReason(
  input: { author: { id: string }; attachmentIds?: string[]; replyToId?: string },
  messages: { claimableCount(authorId: string, ids: string[]): Promise<number> },
): Promise<AppError> {
  const ids = input.attachmentIds ?? [];
  if (ids.length && (await messages.claimableCount(input.author.id, ids)) < ids.length) return attachmentUnavailable();
  return input.replyToId !== undefined ? errors.messageNotFound() : errors.notAMember();
}

import type { Message, Role } from './wire';

/**
 * What the reader may do to a message, as the server decides it (docs/protocol.md): the author
 * edits; the author, an owner or a moderator deletes; nothing is done to a tombstone. The server
 * checks again (an edit window may also refuse an edit); this only decides what the UI offers.
 */
export function messagePermissions(m: Message, meId: string | undefined, role: Role | undefined): { canEdit: boolean; canDelete: boolean } {
  if (m.deletedAt !== null || meId === undefined) return { canEdit: false, canDelete: false };
  const mine = m.author.id === meId;
  return { canEdit: mine, canDelete: mine || role === 'owner' || role === 'moderator' };
}

/**
 * Edits, deletions and reactions: each decided and stored inside ONE transaction that holds the
 * room row lock (RoomLogRepository.lockTarget), so the decision (may the actor do it? is it a
 * repeat?) is made against the state the event applies to, never a read before it. A batch of ops
 * shares one transaction and one commit; an op refused for a reason (AppError) changes nothing and
 * the others go on; any other failure rolls the whole batch back (the writer answers UNAVAILABLE).
 * A repeat (the same reaction again, deleting a deleted message, an edit to the same body) takes
 * no seq and creates no event: its outcome has `frame: null`.
 */
import { AppError, errors } from '../lib/errors.js';
import { mentionCandidates } from '../lib/mentions.js';
import type { User } from '../protocol.js';
import { LIMITS } from '../protocol-constants.js';
import { mentionNotice, type MentionNotice } from '../realtime/log-event.js';
import { wellFormed } from '../repositories/messages-repository.js';
import type { EventFrame, RoomLogRepository } from '../repositories/room-log-repository.js';
import type { ModerationRepository } from '../repositories/moderation-repository.js';
import { accessError, deleteRefusal, editRefusal, isRoomStaff } from './room-access.js';

interface OpBase {
  roomId: string;
  actor: User;
  messageId: string;
}
/** `body` already trimmed and checked (lib/text.ts cleanMessageBody). */
export type EditOp = OpBase & { kind: 'edit'; body: string };
export type DeleteOp = OpBase & { kind: 'delete' };
/** `emoji` already normalised (lib/emoji.ts). */
export type ReactOp = OpBase & { kind: 'react'; emoji: string; add: boolean };
export type LogOp = EditOp | DeleteOp | ReactOp;

export type OpOutcome = { frame: EventFrame | null; mention?: MentionNotice } | { error: AppError };

/** Runs a batch of ops in one transaction; outcomes in input order. */
export type OpRunner = (ops: LogOp[]) => Promise<OpOutcome[]>;

export interface OpRules {
  /** EDIT_WINDOW_SEC: 0 = the author may always edit. */
  editWindowSec: number;
}

/** The repositories of one transaction: the room log, and the audit for moderators' deletions. */
export type OpTransaction = <T>(fn: (log: RoomLogRepository, audit: Pick<ModerationRepository, 'audit'>) => Promise<T>) => Promise<T>;

/** The runner over a database: `transaction(fn)` hands `fn` the repositories of the transaction. */
export function createOpRunner(transaction: OpTransaction, rules: OpRules): OpRunner {
  return (ops) =>
    transaction(async (log, audit) => {
      const out: OpOutcome[] = [];
      for (const op of ops) {
        try {
          out.push(await applyOp(log, op, rules, audit));
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          out.push({ error: err });
        }
      }
      return out;
    });
}

async function applyOp(log: RoomLogRepository, op: LogOp, rules: OpRules, audit: Pick<ModerationRepository, 'audit'>): Promise<OpOutcome> {
  const target = await log.lockTarget(op.roomId, op.actor.id, op.messageId);
  const denied = accessError(target && { room: { isPrivate: target.isPrivate }, role: target.role });
  if (denied) throw denied;
  const message = target!.message;
  if (!message) throw errors.messageNotFound();
  // Deleting is decided before the tombstone check: a repeat by whoever may delete is a no-op.
  if (op.kind === 'delete') {
    const refusal = deleteRefusal(op.actor.id, target!.role, message);
    if (refusal) throw refusal;
    if (message.deleted) return { frame: null };
  } else if (message.deleted) throw errors.messageNotFound();
  const base = { roomId: op.roomId, messageId: op.messageId };

  switch (op.kind) {
    case 'edit': {
      const refusal = editRefusal(op.actor.id, message, rules.editWindowSec);
      if (refusal) throw refusal;
      // As a send stores it: lone surrogates become U+FFFD (the event's jsonb refuses them).
      const body = wellFormed(op.body);
      if (body === message.body) return { frame: null };
      const found = mentionCandidates(body);
      const done = await log.edit({ ...base, body, names: found.names, room: found.room && isRoomStaff(target!.role) });
      const frame = await log.append(op.actor.id, { type: 'edit', ...base, body, ...done });
      const mention = mentionNotice({ ...base, id: op.messageId, seq: frame.seq, ...done, authorId: message.authorId }, message);
      return mention ? { frame, mention } : { frame };
    }
    case 'delete': {
      const deletedAt = await log.tombstone(op.messageId, op.actor.id);
      // An owner or moderator deleting someone else's message is a moderation action: audited here, in its transaction.
      if (op.actor.id !== message.authorId) {
        await audit.audit({ roomId: op.roomId, actorId: op.actor.id, action: 'message_deleted', targetId: message.authorId, details: { messageId: op.messageId } });
      }
      return { frame: await log.append(op.actor.id, { type: 'delete', ...base, deletedBy: op.actor.id, deletedAt }) };
    }
    case 'react': {
      // Decided, changed and appended by one statement each way (RoomLogRepository).
      const reaction = { type: 'reaction' as const, ...base, emoji: op.emoji, userId: op.actor.id, added: op.add };
      if (op.add) {
        const r = await log.addReaction(op.actor.id, reaction);
        if (r.status === 'repeat') return { frame: null };
        if (r.status === 'full') throw new AppError(400, 'TOO_MANY_REACTIONS', `A message holds at most ${LIMITS.REACTIONS_PER_MESSAGE} different emoji`);
        return { frame: r.frame };
      }
      return { frame: await log.removeReaction(op.actor.id, reaction) };
    }
  }
}

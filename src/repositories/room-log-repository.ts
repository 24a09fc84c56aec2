/**
 * The room log's non-message events (edits, deletions, reactions) and the reads of the whole log.
 *
 * Writes are steps of ONE transaction run by services/log-ops.ts, always in this order: `lockTarget`
 * (the room row FOR UPDATE: every write of the room's log, messages included, queues behind it, so
 * what is read next is the state the event applies to), the state change, then `append` (the next
 * seq from rooms.last_seq and the event row, in one statement). An idempotent repeat stops before
 * `append`: it takes no seq.
 *
 * Reads: `eventsAfter` merges messages AS THEY WERE CREATED (message-reads.ts; a deleted one as
 * its tombstone) with the stored events, in seq order: applying the events after a message to it
 * gives exactly its current state.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import type { DeleteFrame, EditFrame, LogFrame, ReactionFrame, Role } from '../protocol.js';
import { LIMITS } from '../protocol-constants.js';
import { toIso } from '../lib/text.js';
import { readMessages, type RowsRunner } from './message-reads.js';

export type EventFrame = EditFrame | DeleteFrame | ReactionFrame;
/** An event frame before its seq is known. */
export type Unsequenced = Omit<EditFrame, 'seq'> | Omit<DeleteFrame, 'seq'> | Omit<ReactionFrame, 'seq'>;

export interface LockedTarget {
  isPrivate: boolean;
  /** The actor's role; null when not a member. */
  role: Role | null;
  /** null when there is no such message in this room. */
  message: {
    authorId: string;
    createdAt: Date;
    deleted: boolean;
    body: string;
    mentions: string[];
    mentionsRoom: boolean;
  } | null;
}

type Rows<T> = { rows: T[] };
const rowsOf = async <T>(db: Executor, query: ReturnType<typeof sql>): Promise<T[]> =>
  ((await db.execute(query)) as unknown as Rows<T>).rows;

/** A reaction event before its count and seq are known. */
export type Unreacted = Omit<ReactionFrame, 'seq' | 'count'>;

/**
 * The CTEs `s` (the room's next seq, taken only `when`) and `ev` (the event row, its payload the
 * frame with `count` and `seq`), for a statement whose CTE `n` decides; as `append` does.
 */
const appendIf = (actorId: string, reaction: Unreacted, when: SQL, count: SQL) => sql`
            s AS (UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ${reaction.roomId}::uuid AND (SELECT ${when} FROM n) RETURNING last_seq),
            ev AS (
              INSERT INTO room_events (room_id, seq, kind, message_id, actor_id, payload)
              SELECT ${reaction.roomId}::uuid, s.last_seq, 'reaction', ${reaction.messageId}::uuid, ${actorId}::uuid,
                ${JSON.stringify(reaction)}::jsonb || jsonb_build_object('count', ${count}, 'seq', s.last_seq)
              FROM s, n
            )`;

/**
 * `prepared` (Database.prepared: prepared statements on Postgres) runs the log reads sent over and
 * over, the replay pages of resuming subscribers; without it (a transaction) they are plain queries.
 */
export function createRoomLogRepository(db: Executor, prepared?: RowsRunner) {
  const repeated: RowsRunner = prepared ?? (<T>(query: SQL) => rowsOf<T>(db, query));
  async function lastSeq(roomId: string): Promise<number> {
    const [row] = await rowsOf<{ last_seq: number | string }>(db, sql`SELECT last_seq FROM rooms WHERE id = ${roomId}::uuid`);
    return row ? Number(row.last_seq) : 0;
  }

  return {
    /** Locks the room row (undefined: no such room) and reads the actor's role and the message. */
    async lockTarget(roomId: string, actorId: string, messageId: string): Promise<LockedTarget | undefined> {
      const [row] = await rowsOf<{
        is_private: boolean;
        role: Role | null;
        author_id: string | null;
        created_at: Date | string | null;
        deleted_at: Date | string | null;
        body: string | null;
        mentions: string[] | null;
        mentions_room: boolean | null;
      }>(
        db,
        sql`SELECT r.is_private, rm.role, m.author_id, m.created_at, m.deleted_at, m.body, to_json(m.mentions) AS mentions, m.mentions_room
            FROM rooms r
            LEFT JOIN room_members rm ON rm.room_id = r.id AND rm.user_id = ${actorId}::uuid
            LEFT JOIN messages m ON m.id = ${messageId}::uuid AND m.room_id = r.id
            WHERE r.id = ${roomId}::uuid
            FOR UPDATE OF r`,
      );
      if (!row) return undefined;
      return {
        isPrivate: row.is_private,
        role: row.role,
        message:
          row.author_id === null
            ? null
            : {
                authorId: row.author_id,
                createdAt: new Date(row.created_at!),
                deleted: row.deleted_at !== null,
                body: row.body!,
                mentions: row.mentions ?? [],
                mentionsRoom: Boolean(row.mentions_room),
              },
      };
    },

    /** The new body, with mentions re-resolved among current members (@room only if allowed). */
    async edit(input: { roomId: string; messageId: string; body: string; names: string[]; room: boolean }): Promise<{ mentions: string[]; mentionsRoom: boolean; editedAt: string }> {
      const [row] = await rowsOf<{ mentions: string[]; mentions_room: boolean; edited_at: Date | string }>(
        db,
        sql`UPDATE messages SET original_body = coalesce(original_body, body), original_mentions = coalesce(original_mentions, mentions),
              original_mentions_room = coalesce(original_mentions_room, mentions_room),
              body = ${input.body}, edited_at = now(), mentions_room = ${input.room},
              mentions = ARRAY(
                SELECT u.id FROM users u JOIN room_members mm ON mm.user_id = u.id AND mm.room_id = ${input.roomId}::uuid
                WHERE lower(u.username) = ANY(${`{${input.names.join(',')}}`}::text[])
                ORDER BY array_position(${`{${input.names.join(',')}}`}::text[], lower(u.username)))
            WHERE id = ${input.messageId}::uuid
            RETURNING to_json(mentions) AS mentions, mentions_room, edited_at`,
      );
      return { mentions: row!.mentions, mentionsRoom: row!.mentions_room, editedAt: toIso(row!.edited_at) };
    },

    /**
     * Makes the message a tombstone, drops its reactions, and scrubs the body and mentions of its
     * earlier edit events (what was deleted is never served again); returns deletedAt.
     */
    async tombstone(messageId: string, actorId: string): Promise<string> {
      const [row] = await rowsOf<{ deleted_at: Date | string }>(
        db,
        sql`WITH gone AS (DELETE FROM message_reactions WHERE message_id = ${messageId}::uuid),
            scrubbed AS (
              UPDATE room_events SET payload = payload || '{"body": "", "mentions": [], "mentionsRoom": false}'::jsonb
              WHERE message_id = ${messageId}::uuid AND kind = 'edit'
            )
            UPDATE messages SET body = '', deleted_at = now(), deleted_by = ${actorId}::uuid, mentions = '{}', mentions_room = false,
              reply_to_id = NULL, reply_excerpt = '', original_body = NULL, original_mentions = NULL, original_mentions_room = NULL
            WHERE id = ${messageId}::uuid
            RETURNING deleted_at`,
      );
      return toIso(row!.deleted_at);
    },

    /**
     * Adds (user, emoji) unless it is there already or the message holds REACTIONS_PER_MESSAGE other
     * emoji, and when it adds, takes the room's next seq and stores the event (the room row is
     * locked already): ONE statement. `count` is the emoji's count after the call.
     */
    async addReaction(actorId: string, reaction: Unreacted): Promise<{ status: 'repeat' } | { status: 'full' } | { status: 'added'; frame: ReactionFrame }> {
      const { messageId, emoji, userId } = reaction;
      const [row] = await rowsOf<{ inserted: number; mine: boolean; count: number; seq: number | string | null }>(
        db,
        sql`WITH cur AS (SELECT emoji, user_id FROM message_reactions WHERE message_id = ${messageId}::uuid),
            ins AS (
              INSERT INTO message_reactions (message_id, emoji, user_id, created_at, group_created_at)
              SELECT ${messageId}::uuid, ${emoji}, ${userId}::uuid, clock_timestamp(),
                coalesce((SELECT min(r.group_created_at) FROM message_reactions r
                          WHERE r.message_id = ${messageId}::uuid AND r.emoji = ${emoji}), clock_timestamp())
              WHERE EXISTS (SELECT 1 FROM cur WHERE emoji = ${emoji})
                 OR (SELECT count(DISTINCT emoji) FROM cur) < ${LIMITS.REACTIONS_PER_MESSAGE}::int
              ON CONFLICT DO NOTHING
              RETURNING 1
            ),
            n AS (
              SELECT (SELECT count(*)::int FROM ins) AS inserted,
                EXISTS (SELECT 1 FROM cur WHERE emoji = ${emoji} AND user_id = ${userId}::uuid) AS mine,
                (SELECT count(*)::int FROM cur WHERE emoji = ${emoji}) AS count
            ),
            ${appendIf(actorId, reaction, sql`n.inserted > 0`, sql`n.count + 1`)}
            SELECT n.inserted, n.mine, n.count, (SELECT last_seq FROM s) AS seq FROM n`,
      );
      if (row!.inserted > 0) {
        return { status: 'added', frame: { ...reaction, count: Number(row!.count) + 1, seq: Number(row!.seq) } };
      }
      return row!.mine ? { status: 'repeat' } : { status: 'full' };
    },

    /**
     * Removes (user, emoji) and, when it was there, takes the room's next seq and stores the event
     * (the room row is locked already): ONE statement. null when it was not there.
     */
    async removeReaction(actorId: string, reaction: Unreacted): Promise<ReactionFrame | null> {
      const { messageId, emoji, userId } = reaction;
      const [row] = await rowsOf<{ removed: number; count: number; seq: number | string | null }>(
        db,
        sql`WITH del AS (
              DELETE FROM message_reactions WHERE message_id = ${messageId}::uuid AND emoji = ${emoji} AND user_id = ${userId}::uuid
              RETURNING 1
            ),
            n AS (
              -- The statement's snapshot still holds the deleted row: the count after is one less.
              SELECT (SELECT count(*)::int FROM del) AS removed,
                (SELECT count(*)::int FROM message_reactions WHERE message_id = ${messageId}::uuid AND emoji = ${emoji}) AS count
            ),
            ${appendIf(actorId, reaction, sql`n.removed > 0`, sql`n.count - 1`)}
            SELECT n.removed, n.count, (SELECT last_seq FROM s) AS seq FROM n`,
      );
      if (!(row!.removed > 0)) return null;
      return { ...reaction, count: Number(row!.count) - 1, seq: Number(row!.seq) };
    },

    /** Takes the room's next seq and stores the event with it (the room row is locked already). */
    async append(actorId: string, frame: Unsequenced): Promise<EventFrame> {
      const payload = JSON.stringify(frame);
      const [row] = await rowsOf<{ seq: number | string }>(
        db,
        sql`WITH s AS (UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ${frame.roomId}::uuid RETURNING last_seq)
            INSERT INTO room_events (room_id, seq, kind, message_id, actor_id, payload)
            SELECT ${frame.roomId}::uuid, s.last_seq, ${frame.type}, ${frame.messageId}::uuid, ${actorId}::uuid,
              ${payload}::jsonb || jsonb_build_object('seq', s.last_seq)
            FROM s
            RETURNING seq`,
      );
      return { ...frame, seq: Number(row!.seq) } as EventFrame;
    },

    /**
     * The log after `after`, ascending: messages as created and the stored events, exactly as they
     * were broadcast. With `readerId`, nothing unless the reader is a member.
     *
     * Complete up to the room's `last_seq` read FIRST: a writer holds the room row from taking its
     * seq until it commits, so once a last_seq is visible every event at or below it is committed.
     * The two tables are then read by separate statements (separate snapshots on a pool) but both
     * bounded by it, so one cannot see a newer event that the other misses (a hole the caller would
     * skip over for good). Events committed later are the caller's next page or live delivery.
     * `upTo`, a last_seq the caller has already read, bounds the read instead (one query fewer):
     * every event up to it is committed, for the same reason.
     */
    async eventsAfter(input: { roomId: string; after: number; limit: number; readerId?: string; upTo?: number }): Promise<{ events: LogFrame[]; hasMore: boolean }> {
      const member = input.readerId
        ? sql` AND EXISTS (SELECT 1 FROM room_members rm WHERE rm.room_id = ${input.roomId}::uuid AND rm.user_id = ${input.readerId}::uuid)`
        : sql``;
      const take = input.limit + 1;
      const upTo = input.upTo ?? (await lastSeq(input.roomId));
      if (upTo <= input.after) return { events: [], hasMore: false };
      const range = sql`> ${input.after}::bigint AND `;
      const [messages, stored] = await Promise.all([
        readMessages(
          repeated,
          sql`WHERE m.room_id = ${input.roomId}::uuid AND m.seq ${range}m.seq <= ${upTo}::bigint${member} ORDER BY m.seq LIMIT ${take}::int`,
          'created',
        ),
        repeated<{ payload: LogFrame | string }>(
          sql`SELECT e.payload FROM room_events e WHERE e.room_id = ${input.roomId}::uuid AND e.seq ${range}e.seq <= ${upTo}::bigint${member}
              ORDER BY e.seq LIMIT ${take}::int`,
        ),
      ]);
      const merged: { seq: number; frame: LogFrame }[] = [
        ...messages.map((message) => ({ seq: message.seq, frame: { type: 'message' as const, message } })),
        ...stored.map((r) => {
          const frame = (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as EventFrame;
          return { seq: frame.seq, frame };
        }),
      ].sort((a, b) => a.seq - b.seq);
      // Each side brought up to limit+1 rows, so the first `limit` merged are the log's next ones.
      return { events: merged.slice(0, input.limit).map((e) => e.frame), hasMore: merged.length > input.limit };
    },

    /** The room's newest log position (0 for none or no such room). */
    lastSeq,
  };
}

export type RoomLogRepository = ReturnType<typeof createRoomLogRepository>;
